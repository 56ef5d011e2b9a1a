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
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Field
from django.utils import timezone

from accounts.models import User
from enablement_portal.db import column_of, table_insert
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


def _entered_at(row: ParsedRow, now: datetime) -> datetime:
    # A closed row always has its close date (_parse refused one without).
    if row.stage in CLOSED_STAGES:
        return _aware(row.close) or now
    return _aware(row.created) or now


# The staging table: the parsed rows as they are to be stored, before accounts and existing deals are joined.
STAGING = "pipeline_import_staging"
STAGED_DEAL_FIELDS = [
    "external_id",
    "name",
    "owner",
    "team",
    "amount",
    "product",
    "stage",
    "expected_close_date",
    "closed_at",
    "stage_entered_at",
    "created_at",
]
# Compared with the stored deal: a re-imported row that differs in none of these leaves it alone.
COMPARED = ["name", "account_id", "owner_id", "team_id", "amount", "product_id", "expected_close_date", "closed_at"]


def _staging_fields() -> list[Field]:
    line = models.IntegerField()
    line.set_attributes_from_name("line")
    account = models.CharField(max_length=200)
    account.set_attributes_from_name("account_name")
    # The deal's own fields: the same column types, and the same conversion of values on SQLite.
    return [line, account, *(cast(Field, Deal._meta.get_field(name)) for name in STAGED_DEAL_FIELDS)]


def _staged(row: ParsedRow, now: datetime) -> list[Any]:
    closed = row.stage in CLOSED_STAGES
    entered = _entered_at(row, now)
    return [
        row.line,
        row.account_name or NO_ACCOUNT,
        row.external_id,
        f"{row.account_name or 'Unknown account'} · {row.product.name if row.product else 'deal'}"[:200],
        row.owner.pk,
        row.owner.team_id,
        row.amount,
        row.product.pk if row.product else None,
        str(row.stage),
        None if closed else row.close,
        _aware(row.close) if closed else None,
        entered,
        min(filter(None, [_aware(row.created), entered, now])),
    ]


def _write(rows: list[ParsedRow], *, by: User | None, source: str, report: ImportReport) -> None:
    """Store the parsed rows set-based: COPY (executemany on SQLite) into a temporary staging
    table, create the missing accounts in one INSERT … SELECT, then one INSERT … SELECT … ON
    CONFLICT (external_id) creates new deals and updates re-imported ones, and one INSERT …
    SELECT each writes their history rows. A handful of statements, whatever the file's size."""
    now = timezone.now()
    report.without_account = sum(1 for r in rows if not r.account_name)
    staged, seen = [], set()
    for row in rows:
        if row.external_id in seen:
            report.problems.append(Problem(row.line, row.external_id, "the same id appears earlier in the file"))
            continue
        seen.add(row.external_id)
        staged.append(_staged(row, now))
    if not staged:
        return
    db = connections[DEFAULT_DB_ALIAS]
    q = db.ops.quote_name
    deal, account, history = (q(m._meta.db_table) for m in (Deal, Account, DealStageChange))
    fields = _staging_fields()
    columns = ", ".join(f"{q(column_of(f))} {f.db_type(db)}" for f in fields)
    # IS DISTINCT FROM: a NULL compared with a value is a change (SQLite spells it IS NOT).
    distinct = "IS NOT" if db.vendor == "sqlite" else "IS DISTINCT FROM"
    changed = " OR ".join(f"{deal}.{q(c)} {distinct} excluded.{q(c)}" for c in [*COMPARED, "stage"])
    by_id = by.pk if by else None
    # Dropped schema-qualified: only ever our own temporary table, never a table of that name.
    own_staging = f"{'temp' if db.vendor == 'sqlite' else 'pg_temp'}.{q(STAGING)}"
    with db.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {own_staging}")
        # Temporary: private to this connection, no WAL, no indexes to keep while it fills.
        cursor.execute(
            f"CREATE TEMPORARY TABLE {q(STAGING)} ({columns}, deal_id bigint, old_stage varchar(20), managed boolean)"
        )
        table_insert(STAGING, fields, staged)
        # Only our own table and column names go into these statements; values are parameters.
        # `WHERE true`: SQLite reads ON CONFLICT after a bare SELECT … FROM as a join's ON.
        cursor.execute(
            f"INSERT INTO {account} (name, industry) "  # noqa: S608
            f"SELECT DISTINCT account_name, '' FROM {q(STAGING)} WHERE true ON CONFLICT (name) DO NOTHING"
        )
        # The deals the file re-imports, their stage before, and whether the portal has moved them since.
        cursor.execute(
            f"UPDATE {q(STAGING)} SET deal_id = d.id, old_stage = d.stage, managed = EXISTS ("  # noqa: S608
            f"SELECT 1 FROM {history} c WHERE c.deal_id = d.id AND NOT c.imported AND c.event <> %s) "
            f"FROM {deal} d WHERE d.external_id = {q(STAGING)}.external_id",
            [Event.CREATED.value],
        )
        cursor.execute(
            f"SELECT line, external_id, old_stage, stage FROM {q(STAGING)} "  # noqa: S608
            "WHERE managed AND old_stage <> stage"
        )
        for line, external_id, kept, exported in cursor.fetchall():
            report.problems.append(
                Problem(
                    line,
                    external_id,
                    f"moved in the portal since; its stage {Stage(kept).label} is kept, "
                    f"not the export's {Stage(exported).label} (other fields updated)",
                )
            )
        cursor.execute(f"SELECT count(*) FROM {q(STAGING)} WHERE deal_id IS NOT NULL")  # noqa: S608
        (existing,) = cursor.fetchone()
        cursor.execute(
            f"INSERT INTO {history} (deal_id, from_stage, to_stage, event, by_id, at, imported, note) "  # noqa: S608
            f"SELECT deal_id, old_stage, stage, %s, %s, stage_entered_at, true, %s FROM {q(STAGING)} "
            "WHERE deal_id IS NOT NULL AND NOT managed AND old_stage <> stage",
            [Event.IMPORTED.value, by_id, "Stage changed in the CRM export"],
        )
        # New deals are inserted; a re-imported one is updated when it differs (a deal moved in
        # the portal keeps its stage), and counts as unchanged otherwise.
        cursor.execute(
            f"INSERT INTO {deal} (name, account_id, owner_id, team_id, amount, currency, product_id, "  # noqa: S608
            "expected_close_date, closed_at, stage, stage_entered_at, lost_at_stage, lost_note, created_at, "
            "updated_at, external_id, source) "
            "SELECT s.name, a.id, s.owner_id, s.team_id, s.amount, 'USD', s.product_id, s.expected_close_date, "
            "s.closed_at, CASE WHEN s.managed THEN s.old_stage ELSE s.stage END, s.stage_entered_at, '', '', "
            f"s.created_at, %s, s.external_id, %s FROM {q(STAGING)} s JOIN {account} a ON a.name = s.account_name "
            "WHERE true ON CONFLICT (external_id) DO UPDATE SET "
            + ", ".join(f"{q(c)} = excluded.{q(c)}" for c in [*COMPARED, "stage", "updated_at"])
            + f", stage_entered_at = CASE WHEN {deal}.stage = excluded.stage THEN {deal}.stage_entered_at "
            f"ELSE excluded.stage_entered_at END WHERE {changed}",
            [now, source],
        )
        # Rows inserted plus rows updated; the rows left alone are neither.
        written = cursor.rowcount
        created = len(staged) - existing
        cursor.execute(
            f"INSERT INTO {history} (deal_id, from_stage, to_stage, event, by_id, at, imported, note) "  # noqa: S608
            f"SELECT d.id, '', d.stage, %s, %s, d.stage_entered_at, true, %s FROM {q(STAGING)} s "
            f"JOIN {deal} d ON d.external_id = s.external_id WHERE s.deal_id IS NULL",
            [Event.IMPORTED.value, by_id, f"Imported from {source}"],
        )
        cursor.execute(f"DROP TABLE {own_staging}")
    report.created += created
    report.updated += written - created
    report.unchanged += existing - (written - created)


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
