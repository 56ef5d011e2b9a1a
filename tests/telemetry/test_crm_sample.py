"""An independent check on real data: the crm-sample export, imported with the pipeline's
importer, gives the win rates a plain-Python count over the CSV gives."""

import csv
from collections import Counter
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from telemetry.models import MetricSnapshot
from telemetry.services import telemetry_recompute
from tests.conftest import crm_sample


@pytest.fixture
def sample() -> Path:
    return crm_sample("sales_pipeline.csv").parent


def expected_from_csv(path: Path) -> tuple[date, Counter, Counter, Decimal, Decimal]:
    """(last close date, won per agent, closed per agent, won amount, closed amount), by hand."""
    won, closed = Counter(), Counter()
    won_amount = closed_amount = Decimal("0")
    last_close = date.min
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            if row["deal_stage"] not in {"Won", "Lost"}:
                continue
            agent = " ".join(row["sales_agent"].split())
            closed[agent] += 1
            amount = Decimal(row["close_value"] or "0")
            closed_amount += amount
            if row["deal_stage"] == "Won":
                won[agent] += 1
                won_amount += amount
            last_close = max(last_close, date.fromisoformat(row["close_date"]))
    return last_close, won, closed, won_amount, closed_amount


@pytest.mark.django_db
def test_the_win_rates_of_the_crm_sample_match_a_count_over_the_csv(sample):
    out = StringIO()
    call_command(
        "import_deals", sample / "sales_pipeline.csv", "--create-owners", "--team-file", sample / "sales_teams.csv",
        "--product", "GTXPro=GTX Pro", stdout=out,
    )  # fmt: skip
    assert "with problems" in out.getvalue()
    last_close, won, closed, won_amount, closed_amount = expected_from_csv(sample / "sales_pipeline.csv")
    telemetry_recompute(as_of=last_close)

    rates = MetricSnapshot.objects.filter(as_of=last_close, metric="win_rate", period="all")
    overall = rates.get(dimension="all")
    assert (overall.numerator, overall.denominator) == (sum(won.values()), sum(closed.values()))
    assert overall.value == (Decimal(sum(won.values())) / sum(closed.values())).quantize(Decimal("0.0001"))
    per_rep = {row.label: (row.numerator, row.denominator) for row in rates.filter(dimension="rep")}
    assert per_rep == {agent: (won[agent], closed[agent]) for agent in closed}
    by_amount = MetricSnapshot.objects.get(as_of=last_close, metric="win_rate_amount", period="all", dimension="all")
    assert (by_amount.numerator, by_amount.denominator) == (won_amount, closed_amount)


def expected_funnel_from_csv(path: Path) -> Counter:
    """(agent, stage) -> deals the importer takes in at that open stage, by hand: Prospecting is
    Lead in, Engaging is Discovery (the importer's default map); an Engaging deal without its
    engage date is refused by the importer ("a deal past Lead in needs it"), as is a repeated id."""
    reached: Counter = Counter()
    seen: set[str] = set()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            opportunity = row["opportunity_id"].strip()
            if not opportunity or opportunity in seen:
                continue
            seen.add(opportunity)
            stage = {"Prospecting": "LeadIn", "Engaging": "Discovery"}.get(row["deal_stage"])
            if stage is None or (stage == "Discovery" and not row["engage_date"].strip()):
                continue
            reached[(" ".join(row["sales_agent"].split()), stage)] += 1
    return reached


@pytest.mark.django_db
def test_the_per_rep_funnel_of_the_crm_sample_matches_a_count_over_the_csv(sample):
    from django.utils import timezone

    call_command(
        "import_deals", sample / "sales_pipeline.csv", "--create-owners", "--team-file", sample / "sales_teams.csv",
        "--product", "GTXPro=GTX Pro",
        stdout=StringIO(),
    )  # fmt: skip
    # As of today: an imported open deal's history row is dated when it entered its stage.
    as_of = timezone.localdate()
    telemetry_recompute(as_of=as_of)
    rows = MetricSnapshot.objects.filter(as_of=as_of, metric="rep_funnel", period="all", dimension="rep")
    funnel = {(row.label, row.segment): (row.details["reached"], row.details["moved_on"]) for row in rows}
    expected = expected_funnel_from_csv(sample / "sales_pipeline.csv")
    assert {key: reached for key, (reached, _) in funnel.items()} == dict(expected)
    # Imported at their stage, no deal has moved on since.
    assert {moved for _, moved in funnel.values()} == {0}
    # The team and organisation figures beside each rep add up the reps'.
    org = {segment: sum(n for (_, s), n in expected.items() if s == segment) for segment in ("LeadIn", "Discovery")}
    assert all(row.details["org_reached"] == org[row.segment] for row in rows)
