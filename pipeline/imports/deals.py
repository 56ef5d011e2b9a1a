"""Import deals from a CRM export (CSV): validate each row, report bad ones by line, write the rest in bulk.

Imported deals land in the stage the CRM says with one history row marked `imported`: the
portal does not invent the moves and criteria checks it never saw. A re-import matches
deals by external id and updates them; a deal that has since been moved in the portal keeps
its portal stage (the export's stage is reported, not applied), because the portal's
criteria are the rule from then on.
"""

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.utils import timezone

from accounts.models import User
from enablement_portal.db import rows_insert
from pipeline.imports.owners import OwnerDirectory, read_team_file
from pipeline.imports.rows import (
    ImportFileError,
    ImportReport,
    Problem,
    import_transaction,
    parse_amount,
    parse_date,
    read_rows,
    require_columns,
)
from pipeline.models import CLOSED_STAGES, OPEN_STAGES, Account, Deal, DealStageChange, Event, Product, Stage
from pipeline.selectors import unknown_product_message

# The crm-sample export's columns and stages; every one can be overridden on the command line.
DEFAULT_COLUMNS = {
    "id": "opportunity_id",
    "owner": "sales_agent",
    "account": "account",
    "product": "product",
    "stage": "deal_stage",
    "created": "engage_date",
    "close": "close_date",
    "amount": "close_value",
}
DEFAULT_STAGE_MAP: dict[str, str] = {
    "Prospecting": Stage.LEAD_IN,
    "Engaging": Stage.DISCOVERY,
    "Won": Stage.CLOSED_WON,
    "Lost": Stage.CLOSED_LOST,
    **{stage.value: stage for stage in Stage},
}
NO_ACCOUNT = "(No account in the export)"
DEAL_FIELDS = ["name", "account_id", "owner_id", "team_id", "amount", "product_id", "expected_close_date", "closed_at"]


@dataclass
class ParsedRow:
    line: int
    external_id: str
    owner: User
    account_name: str
    product: Product | None
    stage: str
    created: date | None
    close: date | None
    amount: Decimal


def parse_stage_map(pairs: Iterable[str]) -> dict[str, str]:
    """["Prospecting=LeadIn", ...] -> mapping; our own stage names always map to themselves."""
    mapping = dict(DEFAULT_STAGE_MAP)
    for pair in pairs:
        source, _, target = pair.partition("=")
        if target not in Stage.values:
            raise ImportFileError(f"--stage {pair!r}: {target!r} is not a stage ({', '.join(Stage.values)})")
        mapping[source.strip()] = Stage(target)
    return mapping


def parse_product_map(pairs: Iterable[str]) -> dict[str, str]:
    """["GTXPro=GTX Pro", ...] -> {"GTXPro": "GTX Pro"}: a CRM's product name read as one of the list."""
    mapping = {}
    for pair in pairs:
        source, separator, target = pair.partition("=")
        if not separator or not source.strip() or not target.strip():
            raise ImportFileError(f"--product {pair!r}: write it as CRM name=Product of the list")
        mapping[" ".join(source.split()).casefold()] = target.strip()
    return mapping


class ProductList:
    """The managed products by name (any case), with the export's names mapped onto them.

    An unknown name is never created: each row naming one is refused with the nearest names.
    """

    def __init__(self, mapping: dict[str, str]) -> None:
        self.products = {p.name.casefold(): p for p in Product.objects.all()}
        self.mapping = mapping
        self._messages: dict[str, str] = {}
        for source, target in mapping.items():
            if target.casefold() not in self.products:
                raise ImportFileError(f"--product {source}={target}: {unknown_product_message(target)}")

    def find(self, name: str) -> Product | None:
        key = " ".join(name.split()).casefold()
        return self.products.get(self.mapping.get(key, key).casefold())

    def problem(self, name: str) -> str:
        if name not in self._messages:
            self._messages[name] = (
                f"unknown product: {unknown_product_message(name)} "
                f"(map it with --product '{name}=<product>', or add the product in admin)"
            )
        return self._messages[name]


def _parse(
    row: dict[str, str],
    line: int,
    *,
    columns: dict[str, str],
    stages: dict[str, str],
    owners: OwnerDirectory,
    products: ProductList,
    date_format: str,
    report: ImportReport,
) -> ParsedRow | None:
    def cell(name: str) -> str:
        return (row.get(columns[name]) or "").strip()

    external_id, problems = cell("id"), []
    if not external_id:
        problems.append("no id")
    elif len(external_id) > 64:
        problems.append("id longer than 64 characters")
    raw_stage = cell("stage")
    stage = stages.get(raw_stage) or stages.get(raw_stage.title())
    if stage is None:
        problems.append(f"unknown stage {raw_stage!r} (map it with --stage {raw_stage or 'NAME'}=<stage>)")
    created = close = amount = None
    try:
        created = parse_date(cell("created"), date_format)
    except ValueError:
        problems.append(f"bad {columns['created']} {cell('created')!r} (expected {date_format})")
    try:
        close = parse_date(cell("close"), date_format)
    except ValueError:
        problems.append(f"bad {columns['close']} {cell('close')!r} (expected {date_format})")
    try:
        amount = parse_amount(cell("amount"))
    except (InvalidOperation, ValueError):
        problems.append(f"bad amount {cell('amount')!r}")
    if stage in CLOSED_STAGES and close is None and not cell("close"):
        problems.append(f"missing {columns['close']}: a closed deal needs its close date")
    if stage in OPEN_STAGES and stage != Stage.LEAD_IN and created is None and not cell("created"):
        problems.append(f"missing {columns['created']}: a deal past {Stage.LEAD_IN.label} needs it")
    if stage == Stage.CLOSED_WON and amount is None and not cell("amount"):
        problems.append("missing amount: a won deal needs one")
    if len(cell("account")) > 200:
        problems.append("account name too long")
    product = products.find(cell("product")) if cell("product") else None
    if cell("product") and product is None:
        problems.append(products.problem(cell("product")))
    owner = owners.find(cell("owner"))
    if owner is None:
        report.unknown_owners[cell("owner") or "(empty)"] += 1
        problems.append(f"unknown owner {cell('owner')!r}" if cell("owner") else "no owner")
    # Every None among these appended a problem above.
    if problems or owner is None or stage is None:
        report.problems.append(Problem(line, external_id, "; ".join(problems)))
        return None
    return ParsedRow(
        line=line,
        external_id=external_id,
        owner=owner,
        account_name=" ".join(cell("account").split()),
        product=product,
        stage=stage,
        created=created,
        close=close,
        amount=amount or Decimal("0"),
    )


@functools.lru_cache(maxsize=4096)
def _aware(day: date | None) -> datetime | None:
    return timezone.make_aware(datetime.combine(day, time(12))) if day else None


def _deal_values(row: ParsedRow, account_id: int, now: datetime) -> dict[str, Any]:
    closed = row.stage in CLOSED_STAGES
    return {
        "name": f"{row.account_name or 'Unknown account'} · {row.product.name if row.product else 'deal'}"[:200],
        "account_id": account_id,
        "owner_id": row.owner.pk,
        "team_id": row.owner.team_id,
        "amount": row.amount,
        "product_id": row.product.pk if row.product else None,
        "expected_close_date": None if closed else row.close,
        "closed_at": _aware(row.close) if closed else None,
    }


def _entered_at(row: ParsedRow, now: datetime) -> datetime:
    # A closed row always has its close date (_parse refused one without).
    if row.stage in CLOSED_STAGES:
        return _aware(row.close) or now
    return _aware(row.created) or now


def _accounts(rows: list[ParsedRow], report: ImportReport) -> dict[str, int]:
    names = {r.account_name or NO_ACCOUNT for r in rows}
    report.without_account = sum(1 for r in rows if not r.account_name)
    existing = dict(Account.objects.filter(name__in=names).values_list("name", "pk"))
    missing = [Account(name=name) for name in sorted(names - set(existing))]
    Account.objects.bulk_create(missing, ignore_conflicts=True)
    if missing:
        existing = dict(Account.objects.filter(name__in=names).values_list("name", "pk"))
    return existing


def _write(rows: list[ParsedRow], *, by: User | None, source: str, report: ImportReport) -> None:
    now = timezone.now()
    accounts = _accounts(rows, report)
    existing = {
        d.external_id: d
        for d in Deal.objects.filter(external_id__in=[r.external_id for r in rows]).only(
            "pk", "external_id", "stage", *DEAL_FIELDS
        )
    }
    managed_in_portal = set(
        DealStageChange.objects.filter(deal__in=list(existing.values()), imported=False)
        .exclude(event=Event.CREATED)
        .values_list("deal_id", flat=True)
    )
    new_deals: list[dict[str, Any]] = []
    changes: list[DealStageChange] = []
    seen: set[str] = set()
    for row in rows:
        if row.external_id in seen:
            report.problems.append(Problem(row.line, row.external_id, "the same id appears earlier in the file"))
            continue
        seen.add(row.external_id)
        values = _deal_values(row, accounts[row.account_name or NO_ACCOUNT], now)
        deal = existing.get(row.external_id)
        if deal is None:
            entered = _entered_at(row, now)
            new_deals.append(
                {
                    **values,
                    "currency": "USD",
                    "stage": str(row.stage),
                    "stage_entered_at": entered,
                    "lost_at_stage": "",
                    "lost_note": "",
                    "created_at": min(filter(None, [_aware(row.created), entered, now])),
                    "updated_at": now,
                    "external_id": row.external_id,
                    "source": source,
                }
            )
            continue
        _update(deal, row, values, now=now, by=by, managed=deal.pk in managed_in_portal, report=report, changes=changes)

    DealStageChange.objects.bulk_create(changes)
    rows_insert(Deal, new_deals)
    ids = _ids_by_external_id([d["external_id"] for d in new_deals])
    history = [
        {
            "deal_id": ids[d["external_id"]],
            "from_stage": "",
            "to_stage": d["stage"],
            "event": Event.IMPORTED.value,
            "by_id": by.pk if by else None,
            "at": d["stage_entered_at"],
            "imported": True,
            "note": f"Imported from {source}",
        }
        for d in new_deals
    ]
    rows_insert(DealStageChange, history)
    report.created += len(new_deals)


def _ids_by_external_id(external_ids: list[str], chunk: int = 900) -> dict[str, int]:
    ids: dict[str, int] = {}
    for start in range(0, len(external_ids), chunk):
        part = external_ids[start : start + chunk]
        ids.update(Deal.objects.filter(external_id__in=part).values_list("external_id", "pk"))
    return ids


def _update(
    deal: Deal,
    row: ParsedRow,
    values: dict[str, Any],
    *,
    now: datetime,
    by: User | None,
    managed: bool,
    report: ImportReport,
    changes: list[DealStageChange],
) -> None:
    changed = {name: value for name, value in values.items() if getattr(deal, name) != value}
    stage_changed = deal.stage != row.stage
    if stage_changed and managed:
        report.problems.append(
            Problem(
                row.line,
                row.external_id,
                f"moved in the portal since; its stage {deal.get_stage_display()} is kept, "
                f"not the export's {Stage(row.stage).label} (other fields updated)",
            )
        )
        stage_changed = False
    if stage_changed:
        entered = _entered_at(row, now)
        changed.update(stage=row.stage, stage_entered_at=entered)
        changes.append(
            DealStageChange(
                deal_id=deal.pk,
                from_stage=deal.stage,
                to_stage=row.stage,
                event=Event.IMPORTED,
                by=by,
                at=entered,
                imported=True,
                note="Stage changed in the CRM export",
            )
        )
    if not changed:
        report.unchanged += 1
        return
    # A queryset update: the CRM, not a portal transition, moved this imported-only deal.
    Deal.objects.filter(pk=deal.pk).update(**changed, updated_at=now)
    report.updated += 1


def deals_import(
    *,
    path: Path,
    by: User | None = None,
    columns: dict[str, str] | None = None,
    stage_map: dict[str, str] | None = None,
    product_map: dict[str, str] | None = None,
    create_owners: bool = False,
    team_file: Path | None = None,
    date_format: str = "%Y-%m-%d",
    dry_run: bool = False,
) -> ImportReport:
    """Import the CSV at `path`; bad rows are reported (by line) and skipped, the rest written at once.

    With `dry_run` everything is checked and counted, then rolled back. A product is one of the
    managed list (by name, any case, or through `product_map`); a row naming another is refused.
    Raises ImportFileError when a mapped column is not in the file's header, or a product_map
    target is not on the list.
    """
    columns = {**DEFAULT_COLUMNS, **(columns or {})}
    header, rows = read_rows(path)
    require_columns(header, columns)
    report = ImportReport(dry_run=dry_run)
    with import_transaction(dry_run=dry_run):
        owners = OwnerDirectory(create=create_owners, teams=read_team_file(team_file) if team_file else None)
        products = ProductList(product_map or {})
        parsed = []
        for line, row in rows:
            report.rows += 1
            result = _parse(
                row,
                line,
                columns=columns,
                stages=stage_map or DEFAULT_STAGE_MAP,
                owners=owners,
                products=products,
                date_format=date_format,
                report=report,
            )
            if result is not None:
                parsed.append(result)
        _write(parsed, by=by, source=f"import:{path.name}"[:40], report=report)
        report.created_owners = owners.created
    report.problems.sort(key=lambda p: p.line)
    return report
