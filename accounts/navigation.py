"""The portal's navigation: one list, each entry naming the roles that see it.

An entry is added here only when its page works; later apps add theirs to NAVIGATION.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.module_loading import import_string

from accounts.models import Role, User

ALL_ROLES = frozenset(Role)


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]
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
    NavItem("Home", "accounts:home", ALL_ROLES),
    NavItem("My team", "accounts:team", frozenset({Role.MANAGER})),
    NavItem("Leads", "leads:inbox", frozenset({Role.REP, Role.MANAGER})),
    NavItem("Deals", "pipeline:board", frozenset({Role.REP, Role.MANAGER, Role.ENABLEMENT_ADMIN})),
    NavItem("Collateral", "collateral:library", ALL_ROLES),
    NavItem("Learning", "training:home", frozenset({Role.REP, Role.MANAGER})),
    NavItem(
        "Updates",
        "training:updates",
        frozenset({Role.REP, Role.MANAGER}),
        badge="training.selectors.unread_update_count",
    ),
    NavItem("Team learning", "training:team", frozenset({Role.MANAGER, Role.ENABLEMENT_ADMIN})),
    NavItem("Lead quality", "leads:quality", frozenset({Role.MARKETING_OPS, Role.ENABLEMENT_ADMIN})),
    NavItem("Telemetry", "telemetry:dashboard", frozenset({Role.MANAGER, Role.ENABLEMENT_ADMIN})),
    # Tools last: the admin and the API docs.
    NavItem("Admin", "admin:index", frozenset({Role.ENABLEMENT_ADMIN, Role.MARKETING_OPS})),
    NavItem("API docs", "api:openapi-view", frozenset({Role.ENABLEMENT_ADMIN, Role.MARKETING_OPS})),
]


def effective_role(user: User) -> str:
    # A superuser made with createsuperuser keeps the default role; they administer everything.
    return Role.ENABLEMENT_ADMIN if user.is_superuser else user.role


def navigation_for(user: User, current_path: str = "") -> list[NavLink]:
    role = effective_role(user)
    items = [(item, reverse(item.url_name)) for item in NAVIGATION if role in item.roles]
    # The longest matching URL is the current one: /learning/updates/ is Updates, not Learning.
    matches = [url for _, url in items if (current_path == url if url == "/" else current_path.startswith(url))]
    current_url = max(matches, key=len, default=None)
    return [
        NavLink(item.label, url, url == current_url, import_string(item.badge)(user) if item.badge else 0)
        for item, url in items
    ]
