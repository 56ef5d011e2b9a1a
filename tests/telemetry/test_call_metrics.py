from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from pipeline.models import Stage
from telemetry.metrics import Span, call_habits, call_trackers
from tests.pipeline.factories import DealFactory
from training.calls.lint import calls_lint
from training.calls.services import call_upload
from training.models import Tracker, TrackerKind

SAYS_NEXT_STEP = "Alice: What matters most to you?\nSam: Speed.\nAlice: Next step: a demo on Friday."
SAYS_NOTHING = "Alice: Hello there, thanks.\nSam: Bye now."


@pytest.fixture
def six_closed_deals(manager, rep):
    """Four closed deals whose call agreed a next step (3 won, 1 lost) and two whose call did not (1 won, 1 lost)."""
    Tracker.objects.create(name="Next steps", kind=TrackerKind.NEXT_STEPS, phrases="next step")
    now = timezone.now()
    outcomes = [(True, True), (True, True), (True, True), (True, False), (False, True), (False, False)]
    reviews = []
    for says_next_step, won in outcomes:
        deal = DealFactory(
            owner=rep, stage=Stage.CLOSED_WON if won else Stage.CLOSED_LOST, closed_at=now - timedelta(days=3),
            lost_at_stage="" if won else Stage.PROPOSAL,
        )  # fmt: skip
        reviews.append(
            call_upload(
                uploader=manager,
                rep=rep,
                deal=deal,
                call_date=timezone.localdate() - timedelta(days=5),
                transcript=SAYS_NEXT_STEP if says_next_step else SAYS_NOTHING,
                rep_speaker="Alice",
            )
        )
    calls_lint(review_ids=[r.pk for r in reviews])
    return reviews


def tracker_row(settings, minimum):
    settings.TELEMETRY_CALL_OUTCOME_MIN_DEALS = minimum
    (row,) = [r for r in call_trackers(Span.ending(timezone.localdate())) if r.period == "all"]
    return row


def test_win_rate_with_and_without_a_tracker_and_its_shrunk_lift(settings, six_closed_deals):
    row = tracker_row(settings, minimum=6)
    assert (row.label, row.numerator, row.denominator, row.value) == ("Next steps", 3, 4, Decimal("0.75"))
    details = row.details
    assert (details["won_without"], details["closed_without"], details["win_rate_without"]) == (1, 2, "0.5000")
    # 75 % - 50 % = 25 points. Shrunk toward the base rate 4/6 with a prior worth 10 deals:
    # (3 + 10·4/6) / 14 - (1 + 10·4/6) / 12 = 0.69048 - 0.63889 = 5.16 points.
    assert (details["lift_points"], details["shrunk_lift_points"], details["shown"]) == ("25.00", "5.16", True)


def test_below_the_minimum_of_deals_the_rates_are_not_given(settings, six_closed_deals):
    row = tracker_row(settings, minimum=7)
    assert (row.numerator, row.denominator) == (3, 4)  # the counts stay
    assert row.value is None
    assert (row.details["win_rate_without"], row.details["lift_points"], row.details["shown"]) == (None, None, False)


def test_call_habits_average_each_reps_calls(six_closed_deals, rep):
    (row,) = [r for r in call_habits(Span.ending(timezone.localdate())) if r.period == "all"]
    assert (row.key, row.denominator, row.team_id) == (str(rep.pk), 6, rep.team_id)
    # Four calls with one question, two with none: 4/6 = 0.67 a call. Findings: each of the four
    # talks 11 words of 12 (talk ratio high); each silent one has no next step and no question: 8 / 6.
    assert row.details["questions"] == 0.67
    assert row.details["findings_per_call"] == 1.33
