"""The metric definitions (DESIGN.md, "Telemetry") as pure query functions.

Each function takes a `Span` (the as-of day and the periods ending on it) and returns
snapshot rows. Each runs a fixed number of SQL queries whatever the number of deals: the
counting and summing happen in the database (conditional aggregates, one column per
period, window functions for medians); Python only shapes the aggregated rows.
"""

from calendar import monthrange
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, DateField, DurationField, ExpressionWrapper, F, Q, RowRange, Sum, Window
from django.db.models.functions import LastValue, Lead, RowNumber, TruncMonth
from django.utils import timezone

from accounts.models import User
from pipeline.models import CLOSED_STAGES, NEXT_STAGE, Deal, DealStageChange, Quota, Stage
from telemetry.models import Dimension, Metric, Period

ZERO = Decimal("0")
FOUR_PLACES = Decimal("0.0001")
NO_PRODUCT = "(no product)"
NO_TEAM_KEY = "none"


@dataclass(frozen=True)
class Row:
    metric: str
    period: str
    dimension: str
    key: str
    label: str
    numerator: Decimal
    denominator: Decimal
    value: Decimal | None
    details: dict = field(default_factory=dict)
    team_id: int | None = None
    position: int = 0


@dataclass(frozen=True)
class Span:
    """The as-of day and, per period, the first instant it covers (None: from the beginning).

    Every period ends at `end`, the start of the day after `as_of` in TIME_ZONE (exclusive).
    """

    as_of: date
    end: datetime
    starts: dict[str, datetime | None]
    first_months: dict[str, date | None]

    @classmethod
    def ending(cls, as_of: date) -> "Span":
        quarter_month = 3 * ((as_of.month - 1) // 3) + 1
        first_days = {
            Period.MONTH: as_of.replace(day=1),
            Period.QUARTER: date(as_of.year, quarter_month, 1),
            Period.YEAR: date(as_of.year, 1, 1),
            Period.ALL: None,
        }
        return cls(
            as_of=as_of,
            end=aware(as_of + timedelta(days=1)),
            starts={p: aware(d) if d else None for p, d in first_days.items()},
            first_months=first_days,
        )

    def during(self, period: str, field_name: str) -> Q:
        """`field_name` falls in `period` (and before the window's end)."""
        start = self.starts[period]
        condition = Q(**{f"{field_name}__lt": self.end})
        return condition & Q(**{f"{field_name}__gte": start}) if start else condition


def aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def ratio(numerator, denominator) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(FOUR_PLACES, ROUND_HALF_UP)


def money(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def full_name(first: str, last: str, username: str) -> str:
    return f"{first} {last}".strip() or username


# ---------------------------------------------------------------------------
# Win rate: won / (won + lost) over deals closed in the period, by count and by amount
# ---------------------------------------------------------------------------
WIN_RATE_GROUPS = {
    Dimension.ALL: [],
    Dimension.REP: ["owner_id", "owner__first_name", "owner__last_name", "owner__username", "owner__team_id"],
    Dimension.TEAM: ["team_id", "team__name"],
    Dimension.PRODUCT: ["product"],
}


def _win_rate_key(dimension: str, group: dict) -> tuple[str, str, int | None]:
    """(key, label, team id) of one aggregated group."""
    if dimension == Dimension.REP:
        name = full_name(group["owner__first_name"], group["owner__last_name"], group["owner__username"])
        return str(group["owner_id"]), name, group["owner__team_id"]
    if dimension == Dimension.TEAM:
        if group["team_id"] is None:
            return NO_TEAM_KEY, "No team", None
        return str(group["team_id"]), group["team__name"], group["team_id"]
    if dimension == Dimension.PRODUCT:
        return group["product"] or NO_PRODUCT, group["product"] or NO_PRODUCT, None
    return "all", "All deals", None


def win_rate_groups(window: Span, dimension: str) -> list[dict]:
    """Won and lost counts and amounts per period for each group of `dimension`: one query."""
    aggregates = {}
    for period in Period.values:
        won = Q(stage=Stage.CLOSED_WON) & window.during(period, "closed_at")
        lost = Q(stage=Stage.CLOSED_LOST) & window.during(period, "closed_at")
        aggregates |= {
            f"won_{period}": Count("pk", filter=won),
            f"lost_{period}": Count("pk", filter=lost),
            f"won_amount_{period}": Sum("amount", filter=won),
            f"lost_amount_{period}": Sum("amount", filter=lost),
        }
    closed = Deal.objects.filter(stage__in=CLOSED_STAGES, closed_at__lt=window.end).order_by()
    group_by = WIN_RATE_GROUPS[dimension]
    if not group_by:
        return [closed.aggregate(**aggregates)]
    return list(closed.values(*group_by).annotate(**aggregates))


def win_rate(window: Span) -> list[Row]:
    """Rows of `win_rate` (counts) and `win_rate_amount`, one query per dimension."""
    rows = []
    for dimension in WIN_RATE_GROUPS:
        for group in win_rate_groups(window, dimension):
            key, label, team_id = _win_rate_key(dimension, group)
            for period in Period.values:
                won, lost = group[f"won_{period}"], group[f"lost_{period}"]
                if not won + lost:
                    continue
                won_amount, lost_amount = money(group[f"won_amount_{period}"]), money(group[f"lost_amount_{period}"])
                common = {"period": period, "dimension": dimension, "key": key, "label": label, "team_id": team_id}
                details = {"won": won, "lost": lost, "won_amount": str(won_amount), "lost_amount": str(lost_amount)}
                rows.append(
                    Row(
                        Metric.WIN_RATE,
                        numerator=Decimal(won),
                        denominator=Decimal(won + lost),
                        value=ratio(won, won + lost),
                        details=details,
                        **common,
                    )
                )
                rows.append(
                    Row(
                        Metric.WIN_RATE_AMOUNT,
                        numerator=won_amount,
                        denominator=won_amount + lost_amount,
                        value=ratio(won_amount, won_amount + lost_amount),
                        details=details,
                        **common,
                    )
                )
    return rows


# ---------------------------------------------------------------------------
# Funnel by stage, from the stage history
# ---------------------------------------------------------------------------
FUNNEL_STAGES = [*NEXT_STAGE, Stage.CLOSED_WON, Stage.CLOSED_LOST]


def stage_funnel(window: Span) -> list[Row]:
    """Per stage: deals that reached it in the period, moved on from it, were lost there, and were won.

    A deal "reached" a stage when a history row put it there: a move in the portal, or the
    import row of a deal imported in that stage (imported deals count where they came in).
    What happened next is read from the same deal's next history row and its last one before
    the window's end (LEAD and LAST_VALUE over one window per deal: one sort, no per-row
    subquery). Moves are forward-only, so a deal reaches a stage once. The row's value is the
    share of the deals reaching the stage that were finally won. One query.
    """
    per_deal = {"partition_by": [F("deal_id")], "order_by": [F("at").asc(), F("pk").asc()]}
    changes = (
        DealStageChange.objects.filter(at__lt=window.end)
        .order_by()
        .annotate(
            next_stage=Window(Lead("to_stage"), **per_deal),
            last_stage=Window(LastValue("to_stage"), frame=RowRange(start=None, end=None), **per_deal),
        )
    )
    aggregates = {}
    for stage in FUNNEL_STAGES:
        for period in Period.values:
            reached = Q(to_stage=stage) & window.during(period, "at")
            aggregates |= {
                f"{stage}_reached_{period}": Count("pk", filter=reached),
                f"{stage}_moved_{period}": Count(
                    "pk", filter=reached & Q(next_stage__isnull=False) & ~Q(next_stage=Stage.CLOSED_LOST)
                ),
                f"{stage}_lost_{period}": Count("pk", filter=reached & Q(next_stage=Stage.CLOSED_LOST)),
                f"{stage}_won_{period}": Count("pk", filter=reached & Q(last_stage=Stage.CLOSED_WON)),
            }
    totals = changes.aggregate(**aggregates)
    rows = []
    for position, stage in enumerate(FUNNEL_STAGES):
        for period in Period.values:
            reached = totals[f"{stage}_reached_{period}"]
            if not reached:
                continue
            moved, lost = totals[f"{stage}_moved_{period}"], totals[f"{stage}_lost_{period}"]
            won_count = totals[f"{stage}_won_{period}"]
            details = {"reached": reached, "moved_on": moved, "lost": lost, "won": won_count,
                       "conversion": str(ratio(moved, reached))}  # fmt: skip
            rows.append(
                Row(
                    Metric.STAGE_FUNNEL,
                    period,
                    Dimension.STAGE,
                    stage,
                    Stage(stage).label,
                    numerator=Decimal(won_count),
                    denominator=Decimal(reached),
                    value=ratio(won_count, reached),
                    details=details,
                    position=position,
                )
            )
    return rows


# ---------------------------------------------------------------------------
# Sales cycle: days from creation to close, average and median, for won and lost deals
# ---------------------------------------------------------------------------
def _days(duration: timedelta | float | int | None) -> Decimal:
    if duration is None:
        return ZERO
    if not isinstance(duration, timedelta):
        # SQLite hands back an average of durations as microseconds.
        duration = timedelta(microseconds=duration)
    return Decimal(duration.total_seconds() / 86400).quantize(Decimal("0.01"), ROUND_HALF_UP)


def sales_cycle(window: Span) -> list[Row]:
    """Per outcome (won, lost): count, average and median cycle in days. One query per period.

    The median comes from window functions: each deal's rank within its outcome and the
    outcome's size; the one or two middle deals are the only rows that leave the database.
    """
    cycle = ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())
    by_outcome = {"partition_by": [F("stage")]}
    rows = []
    for period in Period.values:
        ranked = (
            Deal.objects.filter(Q(stage__in=CLOSED_STAGES) & window.during(period, "closed_at"))
            .order_by()
            .annotate(
                cycle=cycle,
                rank=Window(RowNumber(), order_by=[cycle.asc(), F("pk").asc()], **by_outcome),
                size=Window(Count("pk"), **by_outcome),
                total=Window(Sum(cycle), **by_outcome),
            )
        )
        middle = ranked.filter(Q(rank=(F("size") + 1) / 2) | Q(rank=(F("size") + 2) / 2))
        outcomes: dict[str, list] = defaultdict(list)
        for deal in middle.values("stage", "cycle", "size", "total"):
            outcomes[deal["stage"]].append(deal)
        for position, stage in enumerate(CLOSED_STAGES):
            middles = outcomes.get(stage)
            if not middles:
                continue
            size, total_days = middles[0]["size"], _days(middles[0]["total"])
            median = sum(_days(m["cycle"]) for m in middles) / len(middles)
            rows.append(
                Row(
                    Metric.SALES_CYCLE,
                    period,
                    Dimension.OUTCOME,
                    "won" if stage == Stage.CLOSED_WON else "lost",
                    Stage(stage).label,
                    numerator=total_days,
                    denominator=Decimal(size),
                    value=ratio(total_days, size),
                    details={"median_days": str(median.quantize(Decimal("0.01")))},
                    position=position,
                )
            )
    return rows


# ---------------------------------------------------------------------------
# Reps, quotas and closed-won amounts per month (shared by ramp and attainment)
# ---------------------------------------------------------------------------
def _reps() -> list[dict]:
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

    rows, per_team = [], defaultdict(list)
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
                value=Decimal(days) if month else None,
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
    quota_sums, won_sums = {}, {}
    for period in Period.values:
        first = window.first_months[period]
        months = Q(month__lte=as_of_month) & (Q(month__gte=first) if first else Q())
        quota_sums[f"quota_{period}"] = Sum("amount", filter=months)
        won_sums[f"won_{period}"] = Sum("amount", filter=window.during(period, "closed_at"))
    quotas = {q["rep_id"]: q for q in Quota.objects.order_by().values("rep_id").annotate(**quota_sums)}
    wins = {
        w["owner_id"]: w
        for w in Deal.objects.filter(stage=Stage.CLOSED_WON, closed_at__lt=window.end)
        .order_by()
        .values("owner_id")
        .annotate(**won_sums)
    }
    reps_with_quota = [rep for rep in _reps() if rep["pk"] in quotas]
    rows = []
    for period in Period.values:
        attained, per_team = [], defaultdict(lambda: [ZERO, ZERO, 0, 0])
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
            attained.append(value >= 1)
            team = per_team[(rep["team_id"], rep["team__name"])]
            team[0] += won
            team[1] += quota
            team[2] += 1
            team[3] += value >= 1
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


# The order the recomputation runs them in; each takes the window and returns rows.
METRICS: dict[str, Callable[[Span], list[Row]]] = {
    "win_rate": win_rate,
    "stage_funnel": stage_funnel,
    "sales_cycle": sales_cycle,
    "time_to_ramp": time_to_ramp,
    "quota_attainment": quota_attainment,
}
