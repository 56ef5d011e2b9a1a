"""The portal's navigation: one list, each entry naming the roles that see it.

An entry is added here only when its page works; later apps add theirs to NAVIGATION.
"""

from dataclasses import dataclass

from django.urls import reverse

from accounts.models import Role, User

ALL_ROLES = frozenset(Role)


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool


NAVIGATION = [
    NavItem("Home", "accounts:home", ALL_ROLES),
    NavItem("My team", "accounts:team", frozenset({Role.MANAGER})),
    NavItem("Deals", "pipeline:board", frozenset({Role.REP, Role.MANAGER, Role.ENABLEMENT_ADMIN})),
    NavItem("Telemetry", "telemetry:dashboard", frozenset({Role.MANAGER, Role.ENABLEMENT_ADMIN})),
    NavItem("Admin", "admin:index", frozenset({Role.ENABLEMENT_ADMIN, Role.MARKETING_OPS})),
    NavItem("API docs", "api:openapi-view", frozenset({Role.ENABLEMENT_ADMIN, Role.MARKETING_OPS})),
]


def effective_role(user: User) -> str:
    # A superuser made with createsuperuser keeps the default role; they administer everything.
    return Role.ENABLEMENT_ADMIN if user.is_superuser else user.role


def navigation_for(user: User, current_path: str = "") -> list[NavLink]:
    role = effective_role(user)
    links = []
    for item in NAVIGATION:
        if role not in item.roles:
            continue
        url = reverse(item.url_name)
        current = current_path == url if url == "/" else current_path.startswith(url)
        links.append(NavLink(item.label, url, current))
    return links
