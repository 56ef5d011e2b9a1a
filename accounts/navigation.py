"""The portal's navigation: one list, each entry naming the permission its page requires.

An entry is shown to whoever has that permission (the apps' rules.py), which is the permission
its view's decorator checks, so an entry is never shown for a page that answers 403.
An entry is added here only when its page works; later apps add theirs to NAVIGATION.
"""

from dataclasses import dataclass

import rules
from django.urls import reverse
from django.utils.module_loading import import_string

from accounts.models import User


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str
    # Dotted path to `f(user) -> int` (one query), shown as a count beside the label when non-zero;
    # a path, not the function, so that accounts never imports the apps above it.
    badge: str = ""


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool
    badge: int = 0


NAVIGATION = [
    NavItem("Home", "accounts:home", "accounts.view_home"),
    NavItem("My team", "accounts:team", "accounts.view_my_team"),
    NavItem("Leads", "leads:inbox", "leads.view_inbox"),
    # The deal list; the board is one click away on it (and the list on the board).
    NavItem("Deals", "pipeline:deal_list", "pipeline.view_board"),
    NavItem("Collateral", "collateral:library", "collateral.view_library"),
    NavItem("Learning", "training:home", "training.view_learning"),
    NavItem("Updates", "training:updates", "training.view_updates", badge="training.selectors.unread_update_count"),
    NavItem("Team learning", "training:team", "training.view_team"),
    NavItem("Lead quality", "leads:quality", "leads.view_quality_report"),
    NavItem("Telemetry", "telemetry:dashboard", "telemetry.view_dashboard"),
    # Tools last: the admin and the API docs.
    NavItem("Admin", "admin:index", "accounts.open_admin"),
    NavItem("API docs", "api:openapi-view", "accounts.read_api_docs"),
]


def navigation_for(user: User, current_path: str = "") -> list[NavLink]:
    # The rules alone, not user.has_perm: they need no query, and a superuser (whom has_perm lets
    # into every page) sees the enablement admin's navigation rather than every role's.
    items = [(item, reverse(item.url_name)) for item in NAVIGATION if rules.has_perm(item.permission, user)]
    # The longest matching URL is the current one: /learning/updates/ is Updates, not Learning.
    matches = [url for _, url in items if (current_path == url if url == "/" else current_path.startswith(url))]
    current_url = max(matches, key=len, default=None)
    return [
        NavLink(item.label, url, url == current_url, import_string(item.badge)(user) if item.badge else 0)
        for item, url in items
    ]
