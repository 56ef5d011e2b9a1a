"""Telemetry's cards on the home page: a rep's coaching suggestion (accounts/home.py)."""

from django.urls import reverse

from accounts.home import HomeCard, HomeItem
from accounts.models import Role, User
from telemetry.coaching import coaching_for


def home_cards(user: User) -> list[HomeCard]:
    if user.role != Role.REP:
        return []
    return [coaching_card(user)]


def coaching_card(user: User) -> HomeCard:
    """The stage where the rep's conversion is furthest below the team's, and its modules. Four queries."""
    items = []
    for suggestion in coaching_for(user):
        modules = ", ".join(module.title for module in suggestion.modules) or "no module teaches it yet"
        first = suggestion.modules[0].get_absolute_url() if suggestion.modules else reverse("training:home")
        items.append(
            HomeItem(
                label=f"Work on {suggestion.stage_label}",
                url=first,
                detail=f"{suggestion.summary}. Modules: {modules}.",
                badge=f"{suggestion.rate:.0%} vs {suggestion.team_rate:.0%}",
                tone="warning",
            )
        )
    return HomeCard(
        key="coaching",
        title="Coaching",
        items=items,
        empty_text="No stage where you convert below your team with enough deals to tell.",
        order=60,
    )
