"""The pipeline's reads: the board and the deal page, each in a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from accounts.models import User
from enablement_portal.periods import month_of, start_of_day
from pipeline.models import (
    NEXT_STAGE,
    OPEN_STAGES,
    CriterionCheck,
    CriterionKind,
    Deal,
    DealQuerySet,
    DealStageChange,
    Stage,
    StageCriterion,
    StageSetting,
)

# A column shows this many cards (the longest in the stage first); counts and totals cover all.
CARDS_PER_COLUMN = 25


@dataclass
class Column:
    stage: str
    label: str
    probability: int
    rotting_after_days: int
    count: int = 0
    total: Decimal = Decimal("0")
    cards: list[Deal] = field(default_factory=list)

    @property
    def weighted(self) -> Decimal:
        return (self.total * self.probability / 100).quantize(Decimal("1"))

    @property
    def hidden(self) -> int:
        return self.count - len(self.cards)


@dataclass
class Outcome:
    won_count: int = 0
    won_amount: Decimal = Decimal("0")
    lost_count: int = 0
    lost_amount: Decimal = Decimal("0")

    @property
    def win_rate(self) -> int | None:
        closed = self.won_count + self.lost_count
        return round(100 * self.won_count / closed) if closed else None


@dataclass
class Board:
    columns: list[Column]
    outcome: Outcome
    period_start: date
    period_end: date  # exclusive

    @property
    def period_last_day(self) -> date:
        return self.period_end - timedelta(days=1)


def _next_stage_expression() -> Case:
    return Case(*[When(stage=source, then=Value(target.value)) for source, target in NEXT_STAGE.items()])


def with_criteria_progress(deals: DealQuerySet) -> DealQuerySet:
    """Annotate `checked`: how many active criteria of each deal's next move are confirmed."""
    gate = Q(criterion__stage=OuterRef("stage"), criterion__kind=CriterionKind.EXIT) | Q(
        criterion__stage=OuterRef("gate_stage"), criterion__kind=CriterionKind.ENTRY
    )
    checked = (
        CriterionCheck.objects.filter(gate, deal=OuterRef("pk"), criterion__active=True)
        .order_by()
        .values("deal")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return deals.annotate(gate_stage=_next_stage_expression()).annotate(checked=Coalesce(Subquery(checked), 0))


def gate_sizes() -> dict[str, int]:
    """How many active criteria each open stage's forward move needs."""
    sizes: dict[str, int] = dict.fromkeys(OPEN_STAGES, 0)
    for stage, kind in StageCriterion.objects.active().values_list("stage", "kind"):
        for source, target in NEXT_STAGE.items():
            if (kind == CriterionKind.EXIT and stage == source) or (kind == CriterionKind.ENTRY and stage == target):
                sizes[source] += 1
    return sizes


def board_for(deals: DealQuerySet, *, period: tuple[date, date], close_month: date | None = None) -> Board:
    """The board for `deals` (already narrowed to what the user may see and the filters)."""
    now = timezone.now()
    start, end = period
    settings = {s.stage: s for s in StageSetting.objects.all()}
    columns = {
        stage: Column(
            stage=stage,
            label=Stage(stage).label,
            probability=settings[stage].probability if stage in settings else 0,
            rotting_after_days=settings[stage].rotting_after_days if stage in settings else 30,
        )
        for stage in OPEN_STAGES
    }
    open_deals = deals.open()
    if close_month:
        month_start, month_end = month_of(close_month)
        open_deals = open_deals.filter(expected_close_date__gte=month_start, expected_close_date__lt=month_end)
    closed_in_period = deals.closed().filter(closed_at__gte=start_of_day(start), closed_at__lt=start_of_day(end))

    outcome = Outcome()
    stats = (open_deals | closed_in_period).order_by().values("stage").annotate(n=Count("pk"), total=Sum("amount"))
    for row in stats:
        total = row["total"] or Decimal("0")
        if row["stage"] in columns:
            columns[row["stage"]].count, columns[row["stage"]].total = row["n"], total
        elif row["stage"] == Stage.CLOSED_WON:
            outcome.won_count, outcome.won_amount = row["n"], total
        else:
            outcome.lost_count, outcome.lost_amount = row["n"], total

    sizes = gate_sizes()
    ranked = with_criteria_progress(open_deals).annotate(
        rank=Window(RowNumber(), partition_by=[F("stage")], order_by=[F("stage_entered_at").asc(), F("pk").asc()])
    )
    cards = ranked.filter(rank__lte=CARDS_PER_COLUMN).select_related("account", "owner").order_by("stage_entered_at")
    for deal in cards:
        column = columns[deal.stage]
        deal.days = deal.days_in_stage(now)
        deal.is_rotting = deal.days > column.rotting_after_days
        deal.gate_size = sizes[deal.stage]
        column.cards.append(deal)
    return Board(columns=list(columns.values()), outcome=outcome, period_start=start, period_end=end)


@dataclass
class TimelineEntry:
    change: DealStageChange
    duration: timedelta


def timeline(deal: Deal) -> list[TimelineEntry]:
    """The deal's history, each row with how long the deal stayed where that row put it."""
    changes = list(deal.stage_changes.select_related("by"))
    now = timezone.now()
    entries = []
    for index, change in enumerate(changes):
        until = changes[index + 1].at if index + 1 < len(changes) else deal.closed_at or now
        entries.append(TimelineEntry(change, max(until - change.at, timedelta(0))))
    return entries


@dataclass
class GateItem:
    criterion: StageCriterion
    check: CriterionCheck | None


def gate(deal: Deal) -> list[GateItem]:
    """The criteria of the deal's next move, each with its check if confirmed."""
    checks = {c.criterion_id: c for c in deal.checks.select_related("checked_by")}
    return [GateItem(criterion, checks.get(criterion.pk)) for criterion in deal.gating_criteria()]


def owners_for(user: User) -> QuerySet[User]:
    return User.objects.for_user(user).filter(deals__isnull=False).distinct().order_by("first_name", "last_name")
