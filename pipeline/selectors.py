"""The pipeline's reads: the board and the deal page, each in a fixed number of queries."""

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import rules
from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When, Window
from django.db.models.functions import Coalesce, RowNumber
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.rules import is_rep
from enablement_portal.periods import month_of, start_of_day
from pipeline.deal_list import decode_cursor, encode_cursor, rotting_q
from pipeline.models import (
    NEXT_STAGE,
    OPEN_STAGES,
    SALES_ROLES,
    CriterionCheck,
    CriterionKind,
    Deal,
    DealActivity,
    DealQuerySet,
    DealStageChange,
    Product,
    Stage,
    StageCriterion,
)
from pipeline.stage_rules import StageRules, stage_rules

# A column shows this many cards (the longest in the stage first), and "load more" as many again;
# counts and totals cover all.
CARDS_PER_COLUMN = 25
CARD_SORT = "stage_age"
CARD_ORDER = ["stage_entered_at", "pk"]


@dataclass
class Column:
    stage: str
    label: str
    probability: int
    rotting_after_days: int
    count: int = 0
    rotting_count: int = 0
    total: Decimal = Decimal("0")
    cards: list[Deal] = field(default_factory=list)
    # Set by "load more" (board_column), which does not count the column: whether cards follow.
    more: bool = False

    @property
    def weighted(self) -> Decimal:
        return (self.total * self.probability / 100).quantize(Decimal("1"))

    @property
    def hidden(self) -> int:
        return max(self.count - len(self.cards), 0)

    @property
    def next_cursor(self) -> str:
        """Where "load more" starts: after the last card shown (cards come longest in the stage first)."""
        if not (self.hidden or self.more) or not self.cards:
            return ""
        last = self.cards[-1]
        return encode_cursor(CARD_SORT, last.stage_entered_at, last.pk)


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


def _columns(rules: StageRules) -> dict[str, Column]:
    return {
        stage: Column(
            stage=stage,
            label=Stage(stage).label,
            probability=rules.probability[stage],
            rotting_after_days=rules.rotting_after[stage],
        )
        for stage in OPEN_STAGES
    }


def _pk_url(name: str) -> Callable[[int], str]:
    """`reverse(name, args=[pk])` for any pk at the cost of one reverse: a board's cards need three
    URLs each, and reversing is the largest part of rendering a card."""
    sentinel = 987654321
    before, _, after = reverse(name, args=[sentinel]).partition(str(sentinel))
    return lambda pk: f"{before}{pk}{after}"


def _card_details(cards: Iterable[Any], columns: dict[str, Column], sizes: dict[str, int], now: datetime) -> None:
    deal_url, move_url = _pk_url("pipeline:deal"), _pk_url("pipeline:board_move")
    # Loaded from telemetry by URL when the card's fold is opened (pipeline does not import telemetry).
    recommendations_url = _pk_url("telemetry:deal_recommendations")
    for deal in cards:
        deal.url, deal.move_url = deal_url(deal.pk), move_url(deal.pk)
        deal.recommendations_url = recommendations_url(deal.pk)
        column = columns[deal.stage]
        deal.days = deal.days_in_stage(now)
        deal.is_rotting = deal.days > column.rotting_after_days
        deal.gate_size = sizes[deal.stage]
        column.cards.append(deal)


def board_for(
    deals: DealQuerySet, *, period: tuple[date, date], close_month: date | None = None, rotting_only: bool = False
) -> Board:
    """The board for `deals` (already narrowed to what the user may see and the filters): each
    column's count, totals and its first CARDS_PER_COLUMN cards, longest in the stage first."""
    now = timezone.now()
    start, end = period
    rules = stage_rules()
    columns = _columns(rules)
    open_deals = board_open_deals(deals, columns, close_month=close_month, rotting_only=rotting_only, now=now)
    closed_in_period = deals.closed().filter(closed_at__gte=start_of_day(start), closed_at__lt=start_of_day(end))

    outcome = Outcome()
    rotting = rotting_q({stage: c.rotting_after_days for stage, c in columns.items()}, now)
    stats = (
        (open_deals | closed_in_period)
        .order_by()
        .values("stage")
        .annotate(n=Count("pk"), total=Sum("amount"), rotting=Count("pk", filter=rotting))
    )
    for row in stats:
        total = row["total"] or Decimal("0")
        if row["stage"] in columns:
            column = columns[row["stage"]]
            column.count, column.total, column.rotting_count = row["n"], total, row["rotting"]
        elif row["stage"] == Stage.CLOSED_WON:
            outcome.won_count, outcome.won_amount = row["n"], total
        else:
            outcome.lost_count, outcome.lost_amount = row["n"], total

    ranked = with_criteria_progress(open_deals).annotate(
        rank=Window(RowNumber(), partition_by=[F("stage")], order_by=[F("stage_entered_at").asc(), F("pk").asc()])
    )
    cards = ranked.filter(rank__lte=CARDS_PER_COLUMN).select_related("account", "owner").order_by(*CARD_ORDER)
    _card_details(cards, columns, rules.gate_sizes, now)
    return Board(columns=list(columns.values()), outcome=outcome, period_start=start, period_end=end)


def board_open_deals(
    deals: DealQuerySet,
    columns: dict[str, Column],
    *,
    close_month: date | None,
    rotting_only: bool,
    now: datetime,
) -> DealQuerySet:
    """The open deals the board shows, with its close month and "rotting only" filters."""
    open_deals = deals.open()
    if close_month:
        month_start, month_end = month_of(close_month)
        open_deals = open_deals.filter(expected_close_date__gte=month_start, expected_close_date__lt=month_end)
    if rotting_only:
        open_deals = open_deals.filter(rotting_q({stage: c.rotting_after_days for stage, c in columns.items()}, now))
    return open_deals


def board_column(
    deals: DealQuerySet, *, stage: str, after: str, close_month: date | None = None, rotting_only: bool = False
) -> Column:
    """The cards of one column after the cursor `after` (from Column.next_cursor; "" from the first): "load more".

    Raises ValidationError for a cursor that is not ours.
    """
    now = timezone.now()
    rules = stage_rules()
    columns = _columns(rules)
    column = columns[stage]
    open_deals = board_open_deals(deals, columns, close_month=close_month, rotting_only=rotting_only, now=now)
    open_deals = open_deals.filter(stage=stage)
    if after:
        value, pk = decode_cursor(after, CARD_SORT)
        open_deals = open_deals.filter(Q(stage_entered_at__gt=value) | Q(stage_entered_at=value, pk__gt=pk))
    page = with_criteria_progress(open_deals).select_related("account", "owner")
    cards = list(page.order_by(*CARD_ORDER)[: CARDS_PER_COLUMN + 1])
    _card_details(cards[:CARDS_PER_COLUMN], columns, rules.gate_sizes, now)
    # One more than a page was asked for: whether anything is left after this page.
    column.more = len(cards) > CARDS_PER_COLUMN
    return column


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


def activities(deal: Deal) -> list[DealActivity]:
    """Owner changes and withdrawn criteria of the deal, oldest first (one query)."""
    return list(deal.activities.select_related("by", "from_owner", "to_owner", "criterion"))


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


def deal_owners_for(user: User) -> QuerySet[User]:
    """Whom `user` may create a deal for, as the rule pipeline.create_deal_for decides one: a rep
    themselves, a manager their team's people who sell, an admin everyone who sells."""
    if not rules.has_perm("pipeline.create_deal", user):
        return User.objects.none()
    people = User.objects.for_user(user).filter(is_active=True, role__in=SALES_ROLES)
    if is_rep(user):
        people = people.filter(pk=user.pk)
    return people.order_by("first_name", "last_name", "username")


def unknown_product_message(name: str) -> str:
    """What to say about a product name that is not on the list: the nearest names, or all of them."""
    known = list(Product.objects.active().values_list("name", flat=True))
    by_key = {product.casefold(): product for product in known}
    nearest = difflib.get_close_matches(" ".join(name.split()).casefold(), list(by_key), n=3, cutoff=0.6)
    if nearest:
        suggestions = " or ".join(repr(by_key[key]) for key in nearest)
        return f"{name!r} is not a product of the list; did you mean {suggestions}?"
    return f"{name!r} is not a product of the list ({', '.join(known) or 'the list is empty'})."
