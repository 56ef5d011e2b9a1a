"""The navigation search's deals and accounts: among the deals the person may see."""

import rules
from django.db.models import Q

from accounts.models import User
from accounts.search import SEARCH_HITS, SearchGroup, SearchHit
from enablement_portal.money import format_money
from pipeline.home import deal_list_url
from pipeline.models import Account, Deal


def find(user: User, query: str) -> list[SearchGroup]:
    if not rules.has_perm("pipeline.view_board", user):
        return []
    visible = Deal.objects.for_user(user)
    deals = visible.filter(Q(name__icontains=query) | Q(account__name__icontains=query))
    accounts = Account.objects.filter(name__icontains=query, pk__in=visible.values("account_id"))
    return [
        SearchGroup(
            key="deals",
            title="Deals",
            hits=[
                SearchHit(
                    deal.name,
                    deal.get_absolute_url(),
                    f"{deal.account} · {format_money(deal.amount, deal.currency)} · {deal.get_stage_display()}"
                    f" · {deal.owner}",
                )
                for deal in deals.select_related("account", "owner").order_by("-updated_at", "-pk")[:SEARCH_HITS]
            ],
            total=deals.count(),
            more_url=deal_list_url(q=query),
            more_label="All matching deals",
        ),
        SearchGroup(
            key="accounts",
            title="Accounts",
            hits=[
                SearchHit(account.name, deal_list_url(q=account.name), account.industry)
                for account in accounts.order_by("name")[:SEARCH_HITS]
            ],
            total=accounts.count(),
        ),
    ]
