"""The navigation's search: each app finds what a person may see among its own objects.

Each app may have `<app>/finder.py` with `find(user: User, query: str) -> list[SearchGroup]`,
discovered in INSTALLED_APPS order (accounts never imports the apps above it, as with the home
cards). A provider starts from its models' `for_user` querysets, so a result is never something
the person could not open, and makes a fixed number of queries: a count and the first
SEARCH_HITS of each group, with a link to the full list.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from accounts.home import app_functions
from accounts.models import User

SEARCH_HITS = 5
MAX_QUERY_LENGTH = 100


@dataclass(frozen=True)
class SearchHit:
    label: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class SearchGroup:
    key: str
    title: str
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    # The full list of matches (the app's own filtered list), when it has one.
    more_url: str = ""
    more_label: str = ""

    @property
    def hidden(self) -> int:
        return self.total - len(self.hits)


SearchProvider = Callable[[User, str], list[SearchGroup]]


def search_providers() -> list[SearchProvider]:
    return app_functions("finder", "find")


def search_for(user: User, query: str) -> list[SearchGroup]:
    """Every app's groups of matches for `query` (stripped; empty finds nothing)."""
    query = query.strip()
    if not query:
        return []
    return [group for provider in search_providers() for group in provider(user, query)]
