"""The navigation search's learning modules (content every signed-in person may read)."""

from django.db.models import Q

from accounts.models import User
from accounts.search import SEARCH_HITS, SearchGroup, SearchHit
from training.models import Module


def find(user: User, query: str) -> list[SearchGroup]:
    modules = Module.objects.for_user(user).filter(Q(title__icontains=query) | Q(summary__icontains=query))
    hits = [
        SearchHit(module.title, module.get_absolute_url(), f"{module.estimated_minutes} min · {module.summary}")
        for module in modules.order_by("title")[:SEARCH_HITS]
    ]
    return [SearchGroup("modules", "Learning modules", hits, modules.count())]
