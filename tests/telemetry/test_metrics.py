"""Every metric against the worked example in conftest.py; the answers are worked out in comments."""

from datetime import date
from decimal import Decimal

import pytest

from telemetry import metrics
from telemetry.services import telemetry_compute
from tests.telemetry.conftest import AS_OF

pytestmark = pytest.mark.django_db


def table(rows, metric: str) -> dict:
    return {(r.period, r.dimension, r.key): r for r in rows if r.metric == metric}


@pytest.fixture
def rows(worked_example):
    return telemetry_compute(as_of=AS_OF)


def test_win_rate_counts_won_over_closed_deals_in_each_period(rows, worked_example):
    alice, bob, charlie = (str(worked_example[n].pk) for n in ("alice", "bob", "charlie"))
    t = table(rows, "win_rate")
    value = {k: (r.numerator, r.denominator, r.value) for k, r in t.items()}
    # All time: won #1 #3 #5, lost #2 #4 (#7 closes after as_of) -> 3/5.
    assert value[("all", "all", "all")] == (3, 5, Decimal("0.6000"))
    # 2026: won #1 #3, lost #2 #4 -> 2/4. Q2: won #1, lost #2 #4 -> 1/3. June: won #1, lost #4 -> 1/2.
    assert value[("year", "all", "all")] == (2, 4, Decimal("0.5000"))
    assert value[("quarter", "all", "all")] == (1, 3, Decimal("0.3333"))
    assert value[("month", "all", "all")] == (1, 2, Decimal("0.5000"))
    # By rep, all time: Alice #1 won #2 lost; Bob #3 won #4 lost; Charlie #5 won.
    assert value[("all", "rep", alice)] == (1, 2, Decimal("0.5000"))
    assert value[("all", "rep", bob)] == (1, 2, Decimal("0.5000"))
    assert value[("all", "rep", charlie)] == (1, 1, Decimal("1.0000"))
    # Bob in Q2: only #4, lost -> 0/1. Charlie closed nothing in 2026: no row, not a zero.
    assert value[("quarter", "rep", bob)] == (0, 1, Decimal("0.0000"))
    assert ("year", "rep", charlie) not in value
    # The rep's label is the full name; team rows add up the team's reps: 2 won of 4.
    assert t[("all", "rep", alice)].label == "Alice Archer"
    team = str(worked_example["alice"].team_id)
    assert value[("all", "team", team)] == (2, 4, Decimal("0.5000"))
    # By product: GTX Pro #1 #3 won, #4 lost -> 2/3; MG Basic #5 won, #2 lost -> 1/2.
    assert value[("all", "product", "GTX Pro")] == (2, 3, Decimal("0.6667"))
    assert value[("all", "product", "MG Basic")] == (1, 2, Decimal("0.5000"))


def test_win_rate_by_amount_weighs_deals_by_value(rows):
    t = table(rows, "win_rate_amount")
    # Won 10000 + 20000 + 7000 = 37000; lost 5000 + 8000 = 13000 -> 37000 / 50000.
    row = t[("all", "all", "all")]
    assert (row.numerator, row.denominator, row.value) == (Decimal("37000"), Decimal("50000"), Decimal("0.7400"))
    # June: won 10000, lost 8000 -> 10000 / 18000 = 0.5556.
    assert t[("month", "all", "all")].value == Decimal("0.5556")


def test_the_funnel_counts_reached_moved_on_lost_and_won_per_stage(rows):
    t = table(rows, "stage_funnel")

    def figures(period, stage):
        d = t[(period, "stage", stage)].details
        return d["reached"], d["moved_on"], d["lost"], d["won"]

    # LeadIn: reached by #1 #2 #4 #6 #7 (#3 and #5 were imported later in the process); all moved on.
    assert figures("all", "LeadIn") == (5, 5, 0, 1)
    # Discovery: the same five; #1 and #4 moved on (#7 only on 07-01), #2 was lost there, #1 won.
    assert figures("all", "Discovery") == (5, 2, 1, 1)
    assert figures("all", "TechnicalDemo") == (2, 2, 0, 1)
    # Proposal: #1 moved on, #4 lost there.
    assert figures("all", "Proposal") == (2, 1, 1, 1)
    # Closing: #1, and #3 counts here because it was imported at Closing; both won.
    assert figures("all", "Closing") == (2, 2, 0, 2)
    assert figures("all", "ClosedWon") == (3, 0, 0, 3)
    assert figures("all", "ClosedLost") == (2, 0, 0, 0)
    # In June, LeadIn was reached by #1 #4 #6 #7 (#2 in May); #1 is the one won: value 1/4.
    assert figures("month", "LeadIn") == (4, 4, 0, 1)
    assert t[("month", "stage", "LeadIn")].value == Decimal("0.2500")
    # The rows come in process order.
    stages = [r.key for r in rows if r.metric == "stage_funnel" and r.period == "all"]
    assert stages == ["LeadIn", "Discovery", "TechnicalDemo", "Proposal", "Closing", "ClosedWon", "ClosedLost"]


def test_the_sales_cycle_has_average_and_median_days_for_won_and_lost(rows):
    t = table(rows, "sales_cycle")
    won, lost = t[("all", "outcome", "won")], t[("all", "outcome", "lost")]
    # Won: #1 10 days, #3 30, #5 30 -> average 70/3 = 23.33, median 30.
    assert (won.numerator, won.denominator, won.value) == (Decimal("70.00"), 3, Decimal("23.3333"))
    assert won.details["median_days"] == "30.00"
    # Lost: #2 20 days, #4 10 -> average 15, median of an even count: (10 + 20) / 2.
    assert (lost.value, lost.details["median_days"]) == (Decimal("15.0000"), "15.00")
    # June: won #1 (10 days), lost #4 (10 days).
    assert t[("month", "outcome", "won")].value == Decimal("10.0000")
    assert t[("month", "outcome", "lost")].details["median_days"] == "10.00"


def test_time_to_ramp_counts_to_the_end_of_the_first_month_at_quota(rows, worked_example):
    t = table(rows, "time_to_ramp")
    alice, bob, charlie = (t[("all", "rep", str(worked_example[n].pk))] for n in ("alice", "bob", "charlie"))
    # Alice started 04-15; May: 0 won of 4000; June: 10000 won of 8000 -> ramped at 06-30: 76 days.
    assert (alice.value, alice.details["ramped_month"]) == (Decimal("76"), "2026-06-01")
    # Bob: Feb 20000 of 25000, June 0 of 5000 -> not yet ramped: no value, not zero.
    assert bob.value is None
    assert bob.details["ramped_month"] is None
    # Charlie started 2025-11-01, reached 7000 of 7000 in December -> 2025-12-31: 60 days.
    assert charlie.value == Decimal("60")
    # Overall: average of the ramped (76 + 60) / 2 = 68; one rep not yet ramped.
    overall = t[("all", "all", "all")]
    assert (overall.value, overall.details) == (Decimal("68.0000"), {"ramped": 2, "not_yet_ramped": 1})


def test_the_ramp_threshold_is_configurable(worked_example, settings):
    settings.TELEMETRY_RAMP_THRESHOLD_PERCENT = 80
    rows = metrics.time_to_ramp(metrics.Span.ending(AS_OF))
    bob = next(r for r in rows if r.dimension == "rep" and r.key == str(worked_example["bob"].pk))
    # At 80%, Bob's February target is 20000, which he reached: 2025-12-01 to 2026-02-28 is 89 days.
    assert (bob.value, bob.details["ramped_month"]) == (Decimal("89"), "2026-02-01")


def test_quota_attainment_per_rep_and_the_share_at_quota(rows, worked_example):
    t = table(rows, "quota_attainment")
    alice, bob, charlie = (str(worked_example[n].pk) for n in ("alice", "bob", "charlie"))
    value = {k: (r.numerator, r.denominator, r.value) for k, r in t.items()}
    # June: Alice 10000 of 8000 -> 125%; Bob 0 of 5000.
    assert value[("month", "rep", alice)] == (Decimal("10000"), Decimal("8000"), Decimal("1.2500"))
    assert value[("month", "rep", bob)] == (0, Decimal("5000"), Decimal("0.0000"))
    # Q2: Alice 10000 of 4000 + 8000 (July's 9000 is after as_of) -> 83.33%.
    assert value[("quarter", "rep", alice)][2] == Decimal("0.8333")
    # 2026: Bob 20000 of 25000 + 5000 -> 66.67%. All time: Charlie 7000 of 7000 -> 100%.
    assert value[("year", "rep", bob)][2] == Decimal("0.6667")
    assert value[("all", "rep", charlie)][2] == Decimal("1.0000")
    # Charlie had no quota in 2026: no row for him in the month, quarter or year.
    assert ("year", "rep", charlie) not in value
    # Share at or above 100%: June 1 of 2 (Alice); all time 1 of 3 (Charlie).
    assert value[("month", "all", "all")] == (1, 2, Decimal("0.5000"))
    assert value[("all", "all", "all")] == (1, 3, Decimal("0.3333"))
    # The team in June: 10000 of 8000 + 5000 = 76.92%.
    team = str(worked_example["alice"].team_id)
    assert value[("month", "team", team)][2] == Decimal("0.7692")


def test_a_date_before_any_data_gives_no_rows_but_the_ramp_of_nobody(worked_example):
    rows = telemetry_compute(as_of=date(2025, 1, 1))
    # Readiness is each active rep's training state (nothing assigned yet), not a count over a period.
    assert {r.metric for r in rows} == {"time_to_ramp", "readiness"}
    assert all(r.denominator == 0 for r in rows if r.metric == "readiness")


@pytest.mark.parametrize("name", list(metrics.METRICS))
def test_each_metric_runs_a_fixed_number_of_queries(name, worked_example, django_assert_num_queries):
    from tests.telemetry.factories import deal_with_history

    compute = metrics.METRICS[name]
    span = metrics.Span.ending(AS_OF)
    with django_assert_num_queries(QUERIES[name]):
        compute(span)
    # Ten more closed deals change no query count.
    for day in range(1, 11):
        deal_with_history(worked_example["bob"], [("LeadIn", date(2026, 6, day)), ("ClosedWon", date(2026, 6, 20))],
                          amount=100)  # fmt: skip
    with django_assert_num_queries(QUERIES[name]):
        compute(span)


QUERIES = {
    "win_rate": 5,
    "stage_funnel": 1,
    "sales_cycle": 8,
    "time_to_ramp": 3,
    "quota_attainment": 3,
    "content_usage": 3,  # five once anything was used: test_content_usage_reads_labels_after_counting
    "lead_funnel": 4,
    "content_lift": 2,
    "rep_funnel": 2,
    "readiness": 3,
    "gate_compliance": 4,
    "call_habits": 2,
    "call_trackers": 2,
}


def test_content_usage_counts_views_downloads_shares_and_deals_per_version(content_example):
    rows = metrics.content_usage(metrics.Span.ending(AS_OF))
    bc1, bc2, roi = content_example["versions"]
    t = {(r.period, r.dimension, r.key): r for r in rows}
    # Battlecard v1: one view (on #1; the July view is after as_of).
    v1 = t[("all", "version", f"{bc1.asset_id}:{bc1.pk}")]
    assert (v1.label, v1.value, v1.details) == (
        "Battlecard (BC-0001) v1.0.0",
        1,
        {"view": 1, "download": 0, "share": 0, "deals": 1},
    )
    # Battlecard v2: a share (#1), a download (#4), a view without a deal -> 3 uses, 2 deals.
    v2 = t[("all", "version", f"{bc2.asset_id}:{bc2.pk}")]
    assert (v2.value, v2.details) == (3, {"view": 1, "download": 1, "share": 1, "deals": 2})
    # ROI study in June: no use, so no row.
    assert ("month", "version", f"{roi.asset_id}:{roi.pk}") not in t


def test_content_usage_compares_win_rates_with_and_without_the_asset(content_example):
    rows = metrics.content_usage(metrics.Span.ending(AS_OF))
    t = {(r.period, r.dimension, r.key): r for r in rows}
    battlecard = t[("all", "asset", str(content_example["battlecard"].pk))]
    # All time, 5 deals closed, 3 won. Battlecard used before closing on #1 (won) and #4 (lost):
    # with 1/2 = 50%; without: #2 #3 #5, 2 won of 3 = 66.67%; lift (1/2) / (2/3) = 0.75.
    assert (battlecard.numerator, battlecard.denominator, battlecard.value) == (1, 2, Decimal("0.5000"))
    assert battlecard.details["win_rate_without"] == "0.6667"
    assert battlecard.details["lift"] == "0.7500"
    # Uses 1 + 3 = 4; distinct deals #1 and #4 (the asset's two versions share #1).
    assert (battlecard.details["uses"], battlecard.details["deals"]) == (4, 2)
    study = t[("all", "asset", str(content_example["study"].pk))]
    # ROI study: used before closing on #3 only (#2's view came after it was lost): with 1/1;
    # without: #1 #2 #4 #5, 2 won of 4 = 50%; lift 2.
    assert (study.value, study.details["win_rate_without"], study.details["lift"]) == (
        Decimal("1.0000"), "0.5000", "2.0000",
    )  # fmt: skip
    assert (study.details["uses"], study.details["deals"]) == (2, 2)
    # June: closed #1 (won) and #4 (lost), both with the Battlecard: none without, so no lift.
    june = t[("month", "asset", str(content_example["battlecard"].pk))]
    assert (june.value, june.details["win_rate_without"], june.details["lift"]) == (Decimal("0.5000"), None, None)


def test_the_lead_funnel_per_integration_and_rejections_by_reason(lead_example):
    rows = metrics.lead_funnel(metrics.Span.ending(AS_OF))
    hubspot, marketo = str(lead_example["hubspot"].pk), str(lead_example["marketo"].pk)
    t = {(r.period, r.dimension, r.key): r for r in rows}
    june = t[("month", "integration", hubspot)]
    # June, HubSpot: stored L1 L2 L4 + 2 rejected = 5 received; L1 accepted and converted, L2 returned.
    assert june.details == {"received": 5, "rejected": 2, "accepted": 1, "returned": 1, "converted": 1}
    assert (june.label, june.value) == ("HubSpot", Decimal("0.2000"))
    # All time: 4 stored + 3 rejected (the July one is after as_of) = 7; L1 and L3 accepted.
    everything = t[("all", "integration", hubspot)]
    assert everything.details == {"received": 7, "rejected": 3, "accepted": 2, "returned": 1, "converted": 1}
    assert everything.value == Decimal("0.1429")
    # Marketo: L5 converted straight from MQL.
    assert t[("month", "integration", marketo)].details["converted"] == 1
    # By reason, each rejection once under its first reason: in June both are invalid_email (2 of 2).
    assert t[("month", "reason", f"{hubspot}:invalid_email")].value == Decimal("1.0000")
    assert ("month", "reason", f"{hubspot}:not_qualified") not in t
    # All time: invalid_email 2, not_qualified 1 (January's) of 3, labelled for people; shares add up to 100 %.
    assert t[("all", "reason", f"{hubspot}:not_qualified")].numerator == 1
    assert t[("all", "reason", f"{hubspot}:not_qualified")].label == "HubSpot: Does not meet the qualification rules"
    shares = [r.value for (period, dimension, _), r in t.items() if (period, dimension) == ("all", "reason")]
    assert sum(shares) == Decimal("1.0000")


def test_content_rows_come_most_used_first(content_example):
    rows = metrics.content_usage(metrics.Span.ending(AS_OF))
    assets = sorted((r for r in rows if r.period == "all" and r.dimension == "asset"), key=lambda r: r.position)
    # The Battlecard has 4 uses, the ROI study 2.
    assert [r.label for r in assets] == ["Battlecard (BC-0001)", "ROI study (CS-0001)"]
    versions = sorted((r for r in rows if r.period == "all" and r.dimension == "version"), key=lambda r: r.position)
    assert [r.value for r in versions] == [3, 2, 1]


def test_content_usage_reads_labels_after_counting(content_example, django_assert_num_queries):
    # Counts per (asset, version) ids, then one query for the assets' titles and one for the
    # versions' labels, then the per-asset outcomes and the closed totals: five, whatever the usage.
    span = metrics.Span.ending(AS_OF)
    with django_assert_num_queries(5):
        rows = metrics.content_usage(span)
    bc1 = content_example["versions"][0]
    labels = {r.key: r.label for r in rows if r.dimension == "version"}
    assert labels[f"{bc1.asset_id}:{bc1.pk}"].endswith(f"({bc1.asset.asset_id}) v{bc1.version}")
