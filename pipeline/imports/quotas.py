"""Import monthly quotas: rep, month (YYYY-MM), amount[, currency] per row; a rep and month is updated, not repeated."""

from datetime import datetime
from decimal import InvalidOperation
from pathlib import Path

from pipeline.imports.owners import OwnerDirectory
from pipeline.imports.rows import (
    ImportReport,
    Problem,
    import_transaction,
    parse_amount,
    read_rows,
    require_columns,
)
from pipeline.models import Quota

QUOTA_COLUMNS = ["rep", "month", "amount"]


def quotas_import(*, path: Path, dry_run: bool = False) -> ImportReport:
    """rep (username, e-mail or full name), month (YYYY-MM), amount[, currency] -> Quota rows (upsert)."""
    header, rows = read_rows(path)
    require_columns(header, {name: name for name in QUOTA_COLUMNS})
    report = ImportReport(dry_run=dry_run)
    with import_transaction(dry_run=dry_run):
        owners = OwnerDirectory(create=False, teams=None)
        for line, row in rows:
            report.rows += 1
            _import_quota(row, line, owners, report)
    return report


def _import_quota(row: dict[str, str], line: int, owners: OwnerDirectory, report: ImportReport) -> None:
    problems = []
    rep = owners.find(row.get("rep") or "")
    if rep is None:
        problems.append(f"unknown rep {row.get('rep')!r}")
    try:
        month = datetime.strptime((row.get("month") or "").strip(), "%Y-%m").date()
    except ValueError:
        problems.append(f"bad month {row.get('month')!r} (expected YYYY-MM)")
    try:
        amount = parse_amount(row.get("amount") or "")
        if amount is None:
            problems.append("missing amount")
    except (InvalidOperation, ValueError):
        problems.append(f"bad amount {row.get('amount')!r}")
    # A missing amount appended a problem above.
    if problems or amount is None:
        report.problems.append(Problem(line, row.get("rep") or "", "; ".join(problems)))
        return
    currency = (row.get("currency") or "USD").strip().upper()
    _, created = Quota.objects.update_or_create(rep=rep, month=month, defaults={"amount": amount, "currency": currency})
    if created:
        report.created += 1
    else:
        report.updated += 1
