"""The navigation search's assets: the collateral library's own ranked search, for what the person may see."""

from urllib.parse import urlencode

import rules
from django.urls import reverse

from accounts.models import User
from accounts.search import SEARCH_HITS, SearchGroup, SearchHit
from collateral.models import Asset


def find(user: User, query: str) -> list[SearchGroup]:
    if not rules.has_perm("collateral.view_library", user):
        return []
    assets = Asset.objects.for_user(user).search(query)
    hits = [
        SearchHit(asset.title, asset.get_absolute_url(), asset.get_type_display()) for asset in assets[:SEARCH_HITS]
    ]
    more_url = f"{reverse('collateral:library')}?{urlencode({'q': query})}"
    return [SearchGroup("assets", "Collateral", hits, assets.count(), more_url, "Search the library")]
