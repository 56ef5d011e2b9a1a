"""Reads for the leads pages: the inbox (search, filters, keyset pages) and the data-quality
report for marketing."""

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import User
from leads.models import (
    OPEN_STATUSES,
    Lead,
    LeadQuerySet,
    LeadRejection,
    ReturnReason,
    primary_reason,
    rejection_reason_label,
)
from pipeline.models import Deal, DealQuerySet
from pipeline.services import OWNER_ROLES

INBOX_PAGE = 50
AGE_DAYS = {"day": (None, 1), "week": (1, 7), "month": (7, 30), "older": (30, None)}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class InboxFilters:
    q: str = ""
    statuses: list[str] = field(default_factory=lambda: list(OPEN_STATUSES))
    integration_id: int | None = None
    owner: str = ""  # a user id, "none" for the unassigned queue, "" for anyone
    age: str = ""
    after: str = ""  # the keyset cursor of the page: "<received_at in µs since the epoch>.<id>"


@dataclass
class InboxPage:
    leads: list[Lead]
    total: int
    next_cursor: str | None


def inbox_cursor(lead: Lead) -> str:
    return f"{(lead.received_at - EPOCH) // timedelta(microseconds=1)}.{lead.pk}"


def inbox_leads(user: User, filters: InboxFilters) -> QuerySet:
    """Every lead `user` may see that matches the filters, newest first."""
    leads = Lead.objects.for_user(user).filter(status__in=filters.statuses)
    if filters.q:
        words = Q()
        for word in filters.q.split()[:5]:
            words &= (
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
                | Q(company_name__icontains=word)
            )
        leads = leads.filter(words)
    if filters.integration_id is not None:
        leads = leads.filter(integration_id=filters.integration_id)
    if filters.owner == "none":
        leads = leads.filter(owner__isnull=True)
    elif filters.owner:
        leads = leads.filter(owner_id=int(filters.owner))
    if filters.age:
        now = timezone.now()
        newer, older = AGE_DAYS[filters.age]
        if newer is not None:
            leads = leads.filter(received_at__lte=now - timedelta(days=newer))
        if older is not None:
            leads = leads.filter(received_at__gt=now - timedelta(days=older))
    return leads.order_by("-received_at", "-id")


def inbox_page(user: User, filters: InboxFilters, *, size: int = INBOX_PAGE) -> InboxPage:
    """One keyset page of the inbox (after `filters.after`) and the number of matching leads: two
    queries whatever the page or the number of leads."""
    leads = inbox_leads(user, filters)
    total = leads.count()
    if filters.after:
        micros, pk = filters.after.split(".")
        received = EPOCH + timedelta(microseconds=int(micros))
        leads = leads.filter(Q(received_at__lt=received) | Q(received_at=received, id__lt=int(pk)))
    page = list(leads.select_related("owner", "team", "integration")[: size + 1])
    next_cursor = inbox_cursor(page[size - 1]) if len(page) > size else None
    return InboxPage(leads=page[:size], total=total, next_cursor=next_cursor)


@dataclass
class QualityRow:
    integration: str
    day: date
    received: int = 0
    accepted: int = 0
    rejected: int = 0
    returned: int = 0


@dataclass
class QualityReport:
    start: datetime
    rows: list[QualityRow] = field(default_factory=list)
    failing_fields: list[tuple[str, int]] = field(default_factory=list)
    # Rejections by primary reason (human label, count): each rejection once, so shares add up to 100 %.
    failing_reasons: list[tuple[str, int]] = field(default_factory=list)
    return_reasons: list[tuple[str, int]] = field(default_factory=list)
    rejections: int = 0

    @property
    def reason_shares(self) -> list[tuple[str, int, int]]:
        """(label, count, percent of rejections) per primary reason."""
        return [(label, n, round(100 * n / self.rejections)) for label, n in self.failing_reasons]


def _daily(queryset: QuerySet, moment: str) -> dict[tuple[str, date], int]:
    rows = queryset.annotate(day=TruncDate(moment)).values("integration__name", "day").annotate(n=Count("id"))
    return {(row["integration__name"], row["day"]): row["n"] for row in rows}


def quality_report(*, start: datetime, top: int = 10) -> QualityReport:
    """Per integration and day: received (accepted + rejected), accepted, rejected, returned by sales;
    the fields and reasons that fail most, and why sales returns leads."""
    accepted = _daily(Lead.objects.filter(received_at__gte=start), "received_at")
    rejected = _daily(LeadRejection.objects.filter(received_at__gte=start), "received_at")
    returned_leads = Lead.objects.filter(returned_at__gte=start)
    returned = _daily(returned_leads, "returned_at")
    report = QualityReport(start=start)
    for integration, day in sorted(accepted.keys() | rejected.keys() | returned.keys(), key=lambda k: (k[1], k[0])):
        row = QualityRow(integration, day)
        row.accepted = accepted.get((integration, day), 0)
        row.rejected = rejected.get((integration, day), 0)
        row.returned = returned.get((integration, day), 0)
        row.received = row.accepted + row.rejected
        report.rows.append(row)
    report.rows.reverse()
    fields: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for errors, codes in LeadRejection.objects.filter(received_at__gte=start).values_list("errors", "reasons"):
        # Group list items together: qualificationCriteriaMet[2] and [0] are the same field.
        fields.update({re.sub(r"\[\d+\]", "[]", error["path"]) or "(body)" for error in errors})
        reasons[rejection_reason_label(primary_reason(codes))] += 1
    report.failing_fields = _top(fields, top)
    report.failing_reasons = _top(reasons, top)
    report.rejections = sum(reasons.values())
    labels = dict(ReturnReason.choices)
    report.return_reasons = [
        (labels.get(row["return_reason"], row["return_reason"]), row["n"])
        for row in returned_leads.values("return_reason").annotate(n=Count("id")).order_by("-n", "return_reason")
    ]
    return report


def _top(counts: Counter, top: int) -> list[tuple[str, int]]:
    # Most frequent first, ties in name order, so the report reads the same on every load.
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]


def handover_sources(user: User) -> QuerySet[User]:
    """Whose book `user` may hand over: reps and managers of their team (an admin: anyone's), gone or not."""
    people = User.objects.filter(role__in=OWNER_ROLES)
    if not user.is_enablement_admin:
        people = people.filter(team_id=user.team_id) if user.team_id else people.none()
    return people.order_by("first_name", "last_name", "username")


def handover_items(user: User, source: User) -> tuple[DealQuerySet, LeadQuerySet]:
    """`source`'s open deals and open leads that `user` may reassign."""
    deals = Deal.objects.reassignable_by(user).open().filter(owner=source)
    leads = Lead.objects.reassignable_by(user).open().filter(owner=source)
    return deals, leads
