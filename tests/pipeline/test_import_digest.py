"""The crm-sample import stores exactly the deals it stored before the importer went set-based.

The digest covers what an import decides for each deal and its history row, by natural keys
(external id, account, owner and product names), never auto ids; a time the import took from
its own clock (a prospect without an engage date enters Lead In "now") is counted as "now".
"""

import csv
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.utils import timezone

from pipeline.imports.deals import deals_import, parse_product_map
from pipeline.models import Deal, DealStageChange
from tests.conftest import crm_sample

# Obtained by running these two tests and `stored_deals_digest` on the importer as it was before
# the staging table (commit 6ce9073: new deals COPYed in, re-imported ones compared and updated
# one by one in Python), on SQLite and on PostgreSQL (the same values on both), then pinned here.
CRM_SAMPLE_DIGEST = "9a873c1ff1949caa71c8ff2427051796bf5302309238da5e65c18e1213abd673"
# The same, after re-importing the export with changes (`changed_export`): updates, stage
# changes with their history rows, new accounts, and rows refused with their problem.
CHANGED_EXPORT_DIGEST = "1b04cbc25cc6e2a88843efd8d34a348aa38fab51210a87fbc091d0184106c11d"


def _when(moment: datetime | None, started: datetime) -> str:
    if moment is None:
        return ""
    return "now" if moment >= started else moment.astimezone(UTC).isoformat()


def stored_deals_digest(started: datetime) -> str:
    """SHA-256 of every stored deal's meaningful fields and its imported history, sorted."""
    deals = Deal.objects.values_list(
        "external_id",
        "name",
        "account__name",
        "owner__username",
        "team__name",
        "amount",
        "currency",
        "product__name",
        "stage",
        "stage_entered_at",
        "lost_at_stage",
        "expected_close_date",
        "closed_at",
        "created_at",
        "source",
    )
    rows = []
    for external_id, *fields, entered, lost_at, expected, closed, created, source in deals:
        name, account, owner, team, amount, currency, product, stage = fields
        rows.append(
            (
                external_id,
                name,
                account,
                owner,
                team or "",
                f"{amount:.2f}",
                currency,
                product or "",
                stage,
                _when(entered, started),
                lost_at,
                expected.isoformat() if expected else "",
                _when(closed, started),
                _when(created, started),
                source,
            )
        )
    history = [
        (external_id, from_stage, to_stage, event, _when(at, started), imported, note)
        for external_id, from_stage, to_stage, event, at, imported, note in DealStageChange.objects.values_list(
            "deal__external_id", "from_stage", "to_stage", "event", "at", "imported", "note"
        )
    ]
    canonical = repr((sorted(rows), sorted(history)))
    return hashlib.sha256(canonical.encode()).hexdigest()


def changed_export(source: Path, target: Path) -> None:
    """The export with every 10th amount raised, some won deals lost, some engaged ones won
    without a close date (refused), and some accounts renamed."""
    with source.open(newline="") as read, target.open("w", newline="") as write:
        reader = csv.DictReader(read)
        writer = csv.DictWriter(write, fieldnames=list(reader.fieldnames or []))
        writer.writeheader()
        for i, row in enumerate(reader):
            if i % 10 == 0 and row["close_value"]:
                row["close_value"] = str(int(row["close_value"]) + 1)
            if i % 13 == 0 and row["deal_stage"] == "Won":
                row["deal_stage"] = "Lost"
            if i % 17 == 0 and row["deal_stage"] == "Engaging":
                row["deal_stage"] = "Won"
            if i % 19 == 0:
                row["account"] = f"Renamed account {i % 5}"
            writer.writerow(row)


@pytest.mark.django_db
def test_the_crm_sample_import_stores_the_same_deals_as_before():
    started = timezone.now()
    report = deals_import(
        path=crm_sample("sales_pipeline.csv"),
        create_owners=True,
        team_file=crm_sample("sales_teams.csv"),
        product_map=parse_product_map(["GTXPro=GTX Pro"]),
    )
    assert (report.created, report.problems) == (8800, [])
    assert stored_deals_digest(started) == CRM_SAMPLE_DIGEST
    # A re-import changes nothing, so the digest stays.
    again = deals_import(path=crm_sample("sales_pipeline.csv"), product_map={"gtxpro": "GTX Pro"})
    assert (again.created, again.updated, again.unchanged) == (0, 0, 8800)
    assert stored_deals_digest(started) == CRM_SAMPLE_DIGEST


@pytest.mark.django_db
def test_a_changed_crm_sample_reimport_stores_the_same_as_before(tmp_path):
    started = timezone.now()
    options = {"product_map": parse_product_map(["GTXPro=GTX Pro"])}
    deals_import(
        path=crm_sample("sales_pipeline.csv"), create_owners=True, team_file=crm_sample("sales_teams.csv"), **options
    )
    changed = tmp_path / "changed.csv"
    changed_export(crm_sample("sales_pipeline.csv"), changed)
    report = deals_import(path=changed, **options)
    problems = [(p.line, p.external_id, p.message) for p in report.problems]
    counts = (report.created, report.updated, report.unchanged, len(problems))
    digest = hashlib.sha256(repr((stored_deals_digest(started), counts, problems)).encode()).hexdigest()
    assert digest == CHANGED_EXPORT_DIGEST, counts
