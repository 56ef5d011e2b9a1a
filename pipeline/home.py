"""The pipeline's cards on the home page: deals needing attention, and quota attainment with pace.

A deal needs attention when it is rotting (longer in its stage than the stage's
`rotting_after_days`, as the board marks it), its expected close date has passed, or it is
blocked (criteria of its next move still unconfirmed: the count is shown). A rep sees their
own; a manager the team's, counted per rep with links to the filtered deal list.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import BooleanField, Case, Count, Q, Sum, Value, When, Window
from django.urls import reverse
from django.utils import timezone

from accounts.home import HOME_ITEMS, HomeCard, HomeItem
from accounts.models import User
from accounts.rules import is_manager, is_rep
from enablement_portal.money import DEFAULT_CURRENCY, format_money
from enablement_portal.periods import month_of, quarter_of, start_of_day
from pipeline.deal_list import rotting_q
from pipeline.models import Deal, DealQuerySet, Quota, Stage
from pipeline.selectors import with_criteria_progress
from pipeline.stage_rules import stage_rules


def deal_list_url(**params: object) -> str:
    """The deal list filtered by `params` (the contract of `/pipeline/deals/`)."""
    base = reverse("pipeline:deal_list")
    return f"{base}?{urlencode(params)}" if params else base


@dataclass(frozen=True)
class Attention:
    """The conditions that put a deal on the list, as queryset filters (two queries to build)."""

    rotting: Q
    overdue: Q
    blocked: Q
    # How many active criteria each open stage's forward move needs.
    sizes: dict[str, int]

    @property
    def any(self) -> Q:
        return self.rotting | self.overdue | self.blocked


def attention(now: datetime, today: date) -> Attention:
    # The board's and the deal list's rule: rotting when the whole days in stage exceed the limit.
    rules = stage_rules()
    rotting = rotting_q(rules.rotting_after, now)
    sizes = rules.gate_sizes
    blocked = Q(pk__in=[])
    for source, size in sizes.items():
        if size:
            blocked |= Q(stage=source, checked__lt=size)
    return Attention(rotting=rotting, overdue=Q(expected_close_date__lt=today), blocked=blocked, sizes=sizes)


def deals_needing_attention(deals: DealQuerySet, rule: Attention) -> DealQuerySet:
    """Open deals meeting any condition, flagged, rotting first then past close date, oldest first."""
    flags = {
        name: Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())
        for name, condition in [("is_rotting", rule.rotting), ("is_overdue", rule.overdue)]
    }
    return (
        with_criteria_progress(deals.open())
        .filter(rule.any)
        .annotate(**flags)
        .order_by("-is_rotting", "-is_overdue", "stage_entered_at", "pk")
    )


def _deal_item(deal: Deal, rule: Attention, now: datetime, today: date) -> HomeItem:
    facts = [str(deal.account), format_money(deal.amount, deal.currency), deal.get_stage_display()]
    badges = []
    if deal.is_rotting:  # type: ignore[attr-defined]
        badges.append("rotting")
        facts.append(f"{deal.days_in_stage(now)} days in stage")
    if deal.is_overdue and deal.expected_close_date:  # type: ignore[attr-defined]
        badges.append("past close date")
        facts.append(f"expected to close {deal.expected_close_date:%-d %b %Y}")
    missing = rule.sizes.get(deal.stage, 0) - deal.checked  # type: ignore[attr-defined]
    if missing > 0:
        badges.append(f"blocked: {missing} criteri{'on' if missing == 1 else 'a'} missing")
        facts.append(f"to move on to {deal.next_stage_label}")
    tone = "danger" if deal.is_rotting or deal.is_overdue else "warning"  # type: ignore[attr-defined]
    return HomeItem(deal.name, deal.get_absolute_url(), detail=" · ".join(facts), badge=" · ".join(badges), tone=tone)


def my_deals_card(user: User, rule: Attention, now: datetime, today: date) -> HomeCard:
    deals = deals_needing_attention(Deal.objects.filter(owner=user), rule)
    # The total rides along on every row (a window over all matches, before the limit): one query.
    first = list(deals.select_related("account").annotate(total=Window(Count("pk")))[:HOME_ITEMS])
    total = first[0].total if first else 0
    items = [_deal_item(deal, rule, now, today) for deal in first]
    return HomeCard(
        key="deals-attention",
        title="My deals needing attention",
        items=items,
        total=total,
        empty_text="Every open deal is moving: none is rotting, past its close date or waiting on a criterion.",
        more_url=deal_list_url(owner=user.pk),
        more_label="All my deals",
        order=20,
    )


def team_deals_card(user: User, rule: Attention) -> HomeCard:
    """Per owner on the manager's team: how many open deals rot, passed their close date, or are blocked."""
    rows = (
        deals_needing_attention(Deal.objects.for_user(user), rule)
        .order_by()
        .values("owner_id", "owner__first_name", "owner__last_name", "owner__username")
        .annotate(
            n=Count("pk"),
            rotting=Count("pk", filter=rule.rotting),
            overdue=Count("pk", filter=rule.overdue),
            blocked=Count("pk", filter=rule.blocked),
        )
        .order_by("-rotting", "-n", "owner__first_name", "owner__last_name")
    )
    items = []
    for row in rows:
        name = f"{row['owner__first_name']} {row['owner__last_name']}".strip() or row["owner__username"]
        parts = [(row["rotting"], "rotting"), (row["overdue"], "past close date"), (row["blocked"], "blocked")]
        detail = " · ".join(f"{n} {label}" for n, label in parts if n)
        rotting_url = deal_list_url(owner=row["owner_id"], rotting=1)
        links = ((f"{row['rotting']} rotting", rotting_url),) if row["rotting"] else ()
        items.append(
            HomeItem(
                name,
                deal_list_url(owner=row["owner_id"]),
                detail=detail,
                badge=f"{row['n']} deal{'s' if row['n'] != 1 else ''}",
                tone="danger" if row["rotting"] else "warning",
                links=links,
            )
        )
    team_rotting = deal_list_url(team=user.team_id, rotting=1) if user.team_id else deal_list_url(rotting=1)
    return HomeCard(
        key="team-deals-attention",
        title="Team deals needing attention",
        items=items,
        total=sum(row["n"] for row in rows),
        grouped=True,
        empty_text="Every open deal of the team is moving: none rotting, past its close date or blocked.",
        more_url=team_rotting,
        more_label="All rotting deals of the team",
        order=20,
    )


@dataclass(frozen=True)
class Attainment:
    label: str
    won: Decimal
    quota: Decimal
    # The share of the period gone by today (0..1): the pace line.
    elapsed: Decimal

    @property
    def percent(self) -> int | None:
        return round(100 * self.won / self.quota) if self.quota else None

    @property
    def expected_percent(self) -> int:
        return round(100 * self.elapsed)

    def fact(self, currency: str) -> tuple[str, str]:
        if not self.quota:
            return (self.label, f"{format_money(self.won, currency)} won; no quota set")
        pace = "on pace" if self.percent is not None and self.percent >= self.expected_percent else "behind pace"
        return (
            self.label,
            f"{format_money(self.won, currency)} of {format_money(self.quota, currency)} ({self.percent}%)"
            f" · {self.expected_percent}% expected by today, {pace}",
        )


def _elapsed(period: tuple[date, date], today: date) -> Decimal:
    start, end = period
    return Decimal((today - start).days + 1) / Decimal((end - start).days)


def attainment(*, quotas_of: Q, deals_of: Q, today: date) -> list[Attainment]:
    """Won amount against quota this month and this quarter (two queries): the quotas `quotas_of`
    selects, the closed-won deals `deals_of` selects (the same people, as rep and as owner).

    Quotas are monthly; the quarter's is the sum of its three months. Won is closed-won amount by
    the deals' owners, dated by `closed_at`, as telemetry's quota attainment reads it.
    """
    month, quarter = month_of(today), quarter_of(today)
    quotas = Quota.objects.filter(quotas_of, month__gte=quarter[0], month__lt=quarter[1]).aggregate(
        month=Sum("amount", filter=Q(month=month[0])), quarter=Sum("amount")
    )
    won = Deal.objects.filter(
        deals_of,
        stage=Stage.CLOSED_WON,
        closed_at__gte=start_of_day(quarter[0]),
        closed_at__lt=start_of_day(quarter[1]),
    ).aggregate(month=Sum("amount", filter=Q(closed_at__gte=start_of_day(month[0]))), quarter=Sum("amount"))
    return [
        Attainment("This month", won["month"] or Decimal(0), quotas["month"] or Decimal(0), _elapsed(month, today)),
        Attainment(
            "This quarter", won["quarter"] or Decimal(0), quotas["quarter"] or Decimal(0), _elapsed(quarter, today)
        ),
    ]


def attainment_card(*, title: str, key: str, figures: list[Attainment], more_url: str = "") -> HomeCard:
    return HomeCard(
        key=key,
        title=title,
        facts=[a.fact(DEFAULT_CURRENCY) for a in figures],
        empty_text="No quota yet this quarter.",
        more_url=more_url,
        more_label="Telemetry: quota attainment" if more_url else "",
        order=15,
    )


def home_cards(user: User) -> list[HomeCard]:
    now, today = timezone.now(), timezone.localdate()
    if is_rep(user):
        mine = attainment(quotas_of=Q(rep_id=user.pk), deals_of=Q(owner_id=user.pk), today=today)
        return [
            my_deals_card(user, attention(now, today), now, today),
            attainment_card(title="My quota attainment", key="attainment", figures=mine),
        ]
    if is_manager(user) and user.team_id:
        team = attainment(quotas_of=Q(rep__team_id=user.team_id), deals_of=Q(owner__team_id=user.team_id), today=today)
        return [
            team_deals_card(user, attention(now, today)),
            attainment_card(
                title="Team quota attainment",
                key="team-attainment",
                figures=team,
                more_url=reverse("telemetry:dashboard") + "?period=quarter#quota",
            ),
        ]
    return []
