"""The navigation search's leads: among the leads the person may see (their own and the queue)."""

from urllib.parse import urlencode

import rules
from django.db.models import Q
from django.urls import reverse

from accounts.models import User
from accounts.search import SEARCH_HITS, SearchGroup, SearchHit
from leads.models import Lead


def find(user: User, query: str) -> list[SearchGroup]:
    if not rules.has_perm("leads.view_inbox", user):
        return []
    words = Q()
    for word in query.split()[:4]:
        words &= (
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(company_name__icontains=word)
            | Q(email__icontains=word)
        )
    leads = Lead.objects.for_user(user).filter(words)
    hits = [
        SearchHit(f"{lead.full_name} ({lead.company_name})", lead.get_absolute_url(), lead.get_status_display())
        for lead in leads.order_by("-received_at", "-pk")[:SEARCH_HITS]
    ]
    more_url = f"{reverse('leads:inbox')}?{urlencode({'q': query})}"
    return [SearchGroup("leads", "Leads", hits, leads.count(), more_url, "Lead inbox")]
