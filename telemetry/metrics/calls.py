"""The call linter's numbers: each rep's call habits per period, and per tracker the win rate of
closed deals whose calls hit it against those whose calls did not.

The tracker comparison is content lift's (segments.py) for trackers instead of assets: the
same per-period distinct-deal counts (`per_period_counts`) and the same Beta-prior shrinkage toward
the base win rate (`shrunk_lift`), so a tracker on three deals does not outrank one on thirty.
Below TELEMETRY_CALL_OUTCOME_MIN_DEALS closed deals with linted calls, the rates are not given.
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Aggregate, Avg, Count, Q

from pipeline.models import CLOSED_STAGES
from telemetry.metrics.base import Row, Span, full_name, ratio
from telemetry.metrics.segments import LIFT_PERIODS, per_period_counts, shrunk_lift
from telemetry.models import Dimension, Metric, Period
from training.models import CallLint, Finding, TrackerHit

# Detail name -> the CallLint field averaged.
HABITS = {
    "talk_percent": "rep_talk_percent",
    "monologue_seconds": "longest_monologue_seconds",
    "questions": "questions",
    "fillers_per_minute": "fillers_per_minute",
    "story_seconds": "longest_story_seconds",
}


def _called_in(window: Span, period: str, lint: str = "") -> Q:
    first = window.first_months[period]
    during = Q(**{f"{lint}call_date__lte": window.as_of})
    return during & Q(**{f"{lint}call_date__gte": first}) if first else during


def call_habits(window: Span) -> list[Row]:
    """Per rep and period: calls linted, average talk share, monologue, questions, fillers, and
    findings per call. Two queries (the findings apart, so that they do not weigh the averages)."""
    aggregates: dict[str, Aggregate] = {}
    for period in Period.values:
        during = _called_in(window, period)
        aggregates[f"calls_{period}"] = Count("pk", filter=during)
        for name, field in HABITS.items():
            aggregates[f"{name}_{period}"] = Avg(field, filter=during)
    groups: list[Any] = list(
        CallLint.objects.filter(call_date__lte=window.as_of)
        .order_by()
        .values("rep_id", "rep__first_name", "rep__last_name", "rep__username", "rep__team_id")
        .annotate(**aggregates)
    )
    findings: dict[int, Any] = {
        f["lint__rep_id"]: f
        for f in Finding.objects.filter(lint__call_date__lte=window.as_of)
        .order_by()
        .values("lint__rep_id")
        .annotate(**{f"findings_{p}": Count("pk", filter=_called_in(window, p, "lint__")) for p in Period.values})
    }
    rows = []
    for group in groups:
        label = full_name(group["rep__first_name"], group["rep__last_name"], group["rep__username"])
        for period in Period.values:
            calls = group[f"calls_{period}"]
            if not calls:
                continue
            details = {name: round(float(group[f"{name}_{period}"]), 2) for name in HABITS}
            found = findings.get(group["rep_id"], {}).get(f"findings_{period}", 0)
            details["findings_per_call"] = round(found / calls, 2)
            rows.append(
                Row(
                    Metric.CALL_HABITS, period, Dimension.REP, str(group["rep_id"]), label,
                    numerator=Decimal(calls), denominator=Decimal(calls),
                    value=Decimal(str(details["talk_percent"])), details=details, team_id=group["rep__team_id"],
                )
            )  # fmt: skip
    return rows


def call_trackers(window: Span) -> list[Row]:
    """Per tracker and period (a year, all time): closed deals with linted calls that hit it, won
    among them, the same without, the lift in points and the shrunk lift. Two queries."""
    closed = Q(review__deal__stage__in=CLOSED_STAGES, review__deal__closed_at__lt=window.end)
    population = (
        CallLint.objects.filter(closed)
        .order_by()
        .aggregate(**per_period_counts(window, "review__deal__", "review__deal"))
    )
    hit_groups: list[Any] = list(
        TrackerHit.objects.filter(
            lint__review__deal__stage__in=CLOSED_STAGES, lint__review__deal__closed_at__lt=window.end
        )
        .order_by()
        .values("tracker_id", "tracker__name")
        .annotate(**per_period_counts(window, "lint__review__deal__", "lint__review__deal"))
    )
    minimum = settings.TELEMETRY_CALL_OUTCOME_MIN_DEALS
    rows = []
    for group in hit_groups:
        for period in LIFT_PERIODS:
            closed_all, won_all = population[f"closed_{period}"], population[f"won_{period}"]
            closed_with, won_with = group[f"closed_{period}"], group[f"won_{period}"]
            if not closed_with:
                continue
            rows.append(_tracker_row(group, period, (closed_with, won_with), (closed_all, won_all), minimum))
    return rows


def _tracker_row(
    group: dict[str, Any], period: str, with_: tuple[int, int], all_: tuple[int, int], minimum: int
) -> Row:
    (closed_with, won_with), (closed_all, won_all) = with_, all_
    closed_without, won_without = closed_all - closed_with, won_all - won_with
    shown = closed_all >= minimum
    rate_with, rate_without = ratio(won_with, closed_with), ratio(won_without, closed_without)
    lift = shrunk = None
    if shown and rate_with is not None and rate_without is not None:
        lift = ((rate_with - rate_without) * 100).quantize(Decimal("0.01"))
        base = Decimal(won_all) / closed_all
        shrunk = (shrunk_lift((won_with, closed_with), (won_without, closed_without), base) * 100).quantize(
            Decimal("0.01")
        )
    return Row(
        Metric.CALL_TRACKERS, period, Dimension.TRACKER, str(group["tracker_id"]), group["tracker__name"],
        numerator=Decimal(won_with), denominator=Decimal(closed_with), value=rate_with if shown else None,
        details={
            "closed_with": closed_with, "won_with": won_with,
            "closed_without": closed_without, "won_without": won_without,
            "win_rate_without": str(rate_without) if shown and rate_without is not None else None,
            "lift_points": None if lift is None else str(lift),
            "shrunk_lift_points": None if shrunk is None else str(shrunk),
            "shown": shown, "minimum_deals": minimum,
        },
    )  # fmt: skip
