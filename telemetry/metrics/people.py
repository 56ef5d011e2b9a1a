"""Metrics of reps: time to ramp and quota attainment, from quotas and closed-won amounts."""

from calendar import monthrange
from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import DateField, Q, Sum
from django.db.models.functions import TruncMonth

from accounts.models import User
from pipeline.models import Deal, Quota, Stage
from telemetry.metrics.base import NO_TEAM_KEY, ZERO, Row, Span, full_name, money, ratio
from telemetry.models import Dimension, Metric, Period


# ---------------------------------------------------------------------------
# Reps, quotas and closed-won amounts per month (shared by ramp and attainment)
# ---------------------------------------------------------------------------
def _reps() -> list[Mapping[str, Any]]:
    return list(
        User.objects.reps()
        .order_by("pk")
        .values("pk", "first_name", "last_name", "username", "team_id", "team__name", "start_date")
    )


def _month_end(month: date) -> date:
    return month.replace(day=monthrange(month.year, month.month)[1])


def ramp_threshold() -> Decimal:
    """The share of the monthly quota a rep's closed-won amount must reach to count as ramped."""
    return Decimal(settings.TELEMETRY_RAMP_THRESHOLD_PERCENT) / 100


def time_to_ramp(window: Span, *, threshold: Decimal | None = None) -> list[Row]:
    """Days from each rep's start date to the end of the first month in which their closed-won
    amount reached `threshold` x that month's quota (a month without a quota cannot ramp).

    A rep not ramped by `as_of` gets a row with no value ("not yet ramped"), never zero.
    Not period-bound: stored under the "all" period. Three queries (reps, quotas, monthly wins).
    """
    threshold = ramp_threshold() if threshold is None else threshold
    reps = [r for r in _reps() if r["start_date"] and r["start_date"] <= window.as_of]
    quotas = Quota.objects.filter(month__lte=window.as_of, amount__gt=0).values_list("rep_id", "month", "amount")
    targets = {(rep_id, month): amount * threshold for rep_id, month, amount in quotas}
    monthly_wins = (
        Deal.objects.filter(stage=Stage.CLOSED_WON, closed_at__lt=window.end)
        .order_by()
        .annotate(month=TruncMonth("closed_at", output_field=DateField()))
        .values("owner_id", "month")
        .annotate(won=Sum("amount"))
    )
    first_ramped: dict[int, date] = {}
    for group in monthly_wins:
        target = targets.get((group["owner_id"], group["month"]))
        reached = target is not None and group["won"] >= target
        if reached and group["month"] < first_ramped.get(group["owner_id"], date.max):
            first_ramped[group["owner_id"]] = group["month"]

    rows: list[Row] = []
    per_team: dict[tuple[int | None, str | None], list[int | None]] = defaultdict(list)
    for rep in reps:
        start_month = rep["start_date"].replace(day=1)
        month = first_ramped.get(rep["pk"])
        month = month if month and month >= start_month else None
        days = (_month_end(month) - rep["start_date"]).days if month else None
        details = {"start_date": rep["start_date"].isoformat(), "ramped_month": month.isoformat() if month else None}
        label = full_name(rep["first_name"], rep["last_name"], rep["username"])
        rows.append(
            Row(
                Metric.TIME_TO_RAMP,
                Period.ALL,
                Dimension.REP,
                str(rep["pk"]),
                label,
                numerator=Decimal(days or 0),
                denominator=Decimal(1 if month else 0),
                value=None if days is None else Decimal(days),
                details=details,
                team_id=rep["team_id"],
            )
        )
        per_team[(rep["team_id"], rep["team__name"])].append(days)
    everyone = [days for team_days in per_team.values() for days in team_days]
    groups = [((Dimension.TEAM, team_id, name or "No team"), d) for (team_id, name), d in per_team.items()]
    for (dimension, team_id, label), days_list in [((Dimension.ALL, None, "All reps"), everyone), *groups]:
        ramped = [d for d in days_list if d is not None]
        rows.append(
            Row(
                Metric.TIME_TO_RAMP,
                Period.ALL,
                dimension,
                "all" if dimension == Dimension.ALL else str(team_id or NO_TEAM_KEY),
                label,
                numerator=Decimal(sum(ramped)),
                denominator=Decimal(len(ramped)),
                value=ratio(sum(ramped), len(ramped)),
                details={"ramped": len(ramped), "not_yet_ramped": len(days_list) - len(ramped)},
                team_id=team_id,
            )
        )
    return rows


# ---------------------------------------------------------------------------
# Quota attainment: closed-won amount / quota per rep and period; share of reps at 100% or more
# ---------------------------------------------------------------------------
def quota_attainment(window: Span) -> list[Row]:
    """Three queries: reps, quota sums per rep and period, closed-won sums per rep and period.

    A period's quota is the sum of the rep's monthly quotas from the period's first month to
    the as-of month; reps without a quota in a period have no row for it.
    """
    as_of_month = window.as_of.replace(day=1)
    quota_sums: dict[str, Sum] = {}
    won_sums: dict[str, Sum] = {}
    for period in Period.values:
        first = window.first_months[period]
        months = Q(month__lte=as_of_month) & (Q(month__gte=first) if first else Q())
        quota_sums[f"quota_{period}"] = Sum("amount", filter=months)
        won_sums[f"won_{period}"] = Sum("amount", filter=window.during(period, "closed_at"))
    quotas: dict[int, Mapping[str, Any]] = {
        q["rep_id"]: q for q in Quota.objects.order_by().values("rep_id").annotate(**quota_sums)
    }
    wins: dict[int, Mapping[str, Any]] = {
        w["owner_id"]: w
        for w in Deal.objects.filter(stage=Stage.CLOSED_WON, closed_at__lt=window.end)
        .order_by()
        .values("owner_id")
        .annotate(**won_sums)
    }
    reps_with_quota = [rep for rep in _reps() if rep["pk"] in quotas]
    rows: list[Row] = []
    for period in Period.values:
        attained: list[bool] = []
        # Per team: won amount, quota, reps, reps at or above quota.
        per_team: dict[tuple[int | None, str | None], list[Any]] = defaultdict(lambda: [ZERO, ZERO, 0, 0])
        for rep in reps_with_quota:
            quota = money(quotas[rep["pk"]][f"quota_{period}"])
            if not quota:
                continue
            won = money(wins.get(rep["pk"], {}).get(f"won_{period}"))
            value = ratio(won, quota)
            label = full_name(rep["first_name"], rep["last_name"], rep["username"])
            rows.append(
                Row(
                    Metric.QUOTA_ATTAINMENT,
                    period,
                    Dimension.REP,
                    str(rep["pk"]),
                    label,
                    numerator=won,
                    denominator=quota,
                    value=value,
                    team_id=rep["team_id"],
                )
            )
            reached_quota = value is not None and value >= 1
            attained.append(reached_quota)
            team = per_team[(rep["team_id"], rep["team__name"])]
            team[0] += won
            team[1] += quota
            team[2] += 1
            team[3] += reached_quota
        if not attained:
            continue
        at_or_above = sum(attained)
        rows.append(
            Row(
                Metric.QUOTA_ATTAINMENT,
                period,
                Dimension.ALL,
                "all",
                "Reps at or above 100% of quota",
                numerator=Decimal(at_or_above),
                denominator=Decimal(len(attained)),
                value=ratio(at_or_above, len(attained)),
            )
        )
        for (team_id, name), (won, quota, reps, at_quota) in per_team.items():
            rows.append(
                Row(
                    Metric.QUOTA_ATTAINMENT,
                    period,
                    Dimension.TEAM,
                    str(team_id or NO_TEAM_KEY),
                    name or "No team",
                    numerator=won,
                    denominator=quota,
                    value=ratio(won, quota),
                    team_id=team_id,
                    details={"reps": reps, "reps_at_or_above": at_quota},
                )
            )
    return rows
