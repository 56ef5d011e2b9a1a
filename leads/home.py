"""The leads cards on the home page.

A rep: leads assigned to me awaiting accept or return, with their age. A manager: the same for
the team, counted per rep. Marketing ops: rejections today and this week by reason, leads sales
returned that await marketing's correction, and integrations silent for 24 hours.
"""

from collections import Counter
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.db.models import Count, F, Max, Min, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from accounts.home import HOME_ITEMS, HomeCard, HomeItem
from accounts.models import User
from accounts.rules import is_manager, is_marketing_ops, is_rep
from enablement_portal.periods import start_of_day
from leads.models import Integration, Lead, LeadRejection, LeadStatus, primary_reason, rejection_reason_label

# An integration that sent nothing (no lead, no rejection) for this long is reported silent.
SILENT_AFTER = timedelta(hours=24)


def inbox_url(**params: object) -> str:
    return f"{reverse('leads:inbox')}?{urlencode(params)}" if params else reverse("leads:inbox")


def _age(received_at: datetime, now: datetime) -> str:
    return f"waiting {timesince(received_at, now, depth=1)}"


def my_leads_card(user: User, now: datetime) -> HomeCard:
    waiting = Lead.objects.filter(owner=user, status=LeadStatus.MQL)
    total = waiting.count()
    items = [
        HomeItem(
            f"{lead.full_name} ({lead.company_name})",
            lead.get_absolute_url(),
            detail=f"{lead.job_title} · {_age(lead.received_at, now)}",
            badge="over a day" if now - lead.received_at > timedelta(days=1) else "",
            tone="warning",
        )
        for lead in waiting.order_by("received_at", "pk")[:HOME_ITEMS]
    ]
    return HomeCard(
        key="leads-waiting",
        title="Leads waiting for me",
        items=items,
        total=total,
        empty_text="No lead waits for you: every lead assigned to you has been accepted or returned.",
        more_url=inbox_url(),
        more_label="Lead inbox",
        order=10,
    )


def team_leads_card(user: User, now: datetime) -> HomeCard:
    """Per rep of the manager's team: leads awaiting accept or return, and how long the oldest waits."""
    rows = (
        Lead.objects.for_user(user)
        .filter(status=LeadStatus.MQL, owner__isnull=False)
        .order_by()
        .values("owner_id", "owner__first_name", "owner__last_name", "owner__username")
        .annotate(n=Count("pk"), oldest=Min("received_at"))
        .order_by("oldest", "owner_id")
    )
    items = [
        HomeItem(
            f"{row['owner__first_name']} {row['owner__last_name']}".strip() or row["owner__username"],
            inbox_url(owner=row["owner_id"], status=LeadStatus.MQL),
            detail=f"oldest {_age(row['oldest'], now)}",
            badge=f"{row['n']} lead{'s' if row['n'] != 1 else ''}",
            tone="warning" if now - row["oldest"] > timedelta(days=1) else "",
        )
        for row in rows
    ]
    return HomeCard(
        key="team-leads-waiting",
        title="Team leads waiting for accept or return",
        items=items,
        total=sum(row["n"] for row in rows),
        grouped=True,
        empty_text="No lead waits on the team: every assigned lead has been accepted or returned.",
        more_url=inbox_url(),
        more_label="Team lead inbox",
        order=10,
    )


def rejections_card(now: datetime) -> HomeCard:
    """Rejections of today and of the last 7 days, each under its primary reason (one query)."""
    today, week = start_of_day(timezone.localdate()), now - timedelta(days=7)
    today_counts: Counter[str] = Counter()
    week_counts: Counter[str] = Counter()
    groups = (
        LeadRejection.objects.filter(received_at__gte=min(today, week))
        .order_by()
        .values("reasons")
        .annotate(
            today=Count("pk", filter=Q(received_at__gte=today)),
            week=Count("pk", filter=Q(received_at__gte=week)),
        )
    )
    for group in groups:
        reason = primary_reason(group["reasons"])
        today_counts[reason] += group["today"]
        week_counts[reason] += group["week"]
    week_total = sum(week_counts.values())
    items = [
        HomeItem(
            rejection_reason_label(reason),
            reverse("leads:quality") + "?days=7",
            detail=f"{today_counts[reason]} today · {n} this week ({round(100 * n / week_total)}% of rejections)",
            badge=f"{today_counts[reason]} today" if today_counts[reason] else "",
            tone="danger" if today_counts[reason] else "",
        )
        for reason, n in sorted(week_counts.items(), key=lambda item: (-item[1], item[0]))
        if n
    ]
    return HomeCard(
        key="rejections",
        title="Rejected leads by reason",
        items=items,
        total=week_total,
        grouped=True,
        facts=[("Today", str(sum(today_counts.values()))), ("Last 7 days", str(week_total))] if week_total else [],
        empty_text="No lead was rejected in the last 7 days: every MQL met the contract and the rules.",
        more_url=reverse("leads:quality") + "?days=7",
        more_label="Lead quality report",
        order=10,
    )


def returned_card(now: datetime) -> HomeCard:
    returned = Lead.objects.filter(status=LeadStatus.RETURNED)
    total = returned.count()
    items = [
        HomeItem(
            f"{lead.full_name} ({lead.company_name})",
            reverse("admin:leads_lead_change", args=[lead.pk]),
            detail=f"{lead.integration} · returned {timesince(lead.returned_at, now, depth=1)} ago"
            + (f" · {lead.return_note}" if lead.return_note else ""),
            badge=lead.get_return_reason_display(),
            tone="warning",
        )
        for lead in returned.select_related("integration").order_by(F("returned_at").asc(nulls_first=True), "pk")[
            :HOME_ITEMS
        ]
        if lead.returned_at
    ]
    return HomeCard(
        key="returned-leads",
        title="Leads returned by sales, awaiting correction",
        items=items,
        total=total,
        empty_text="Sales has returned no lead waiting for a correction.",
        more_url=reverse("admin:leads_lead_changelist") + "?status__exact=returned",
        more_label="All returned leads",
        order=20,
    )


def silent_integrations_card(now: datetime) -> HomeCard:
    """Integrations with no lead and no rejection for SILENT_AFTER (one query)."""
    last_lead = (
        Lead.objects.filter(integration=OuterRef("pk")).order_by().values("integration").annotate(at=Max("updated_at"))
    )
    last_rejection = (
        LeadRejection.objects.filter(integration=OuterRef("pk"))
        .order_by()
        .values("integration")
        .annotate(at=Max("received_at"))
    )
    integrations = Integration.objects.annotate(
        last_lead=Subquery(last_lead.values("at")[:1]), last_rejection=Subquery(last_rejection.values("at")[:1])
    ).order_by("name")
    items = []
    for integration in integrations:
        heard = max((at for at in (integration.last_lead, integration.last_rejection) if at), default=None)
        if heard and now - heard < SILENT_AFTER:
            continue
        detail = f"last heard from {timesince(heard, now, depth=1)} ago" if heard else "has never sent a lead"
        items.append(
            HomeItem(
                integration.name,
                reverse("admin:leads_integration_change", args=[integration.pk]),
                detail=detail,
                badge="silent",
                tone="danger",
            )
        )
    return HomeCard(
        key="silent-integrations",
        title="Integrations silent for 24 hours",
        items=items,
        empty_text="Every integration sent leads in the last 24 hours.",
        order=30,
    )


def home_cards(user: User) -> list[HomeCard]:
    now = timezone.now()
    if is_rep(user):
        return [my_leads_card(user, now)]
    if is_manager(user) and user.team_id:
        return [team_leads_card(user, now)]
    if is_marketing_ops(user):
        return [rejections_card(now), returned_card(now), silent_integrations_card(now)]
    return []
