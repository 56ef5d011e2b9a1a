"""Training's cards on the home page (accounts/home.py): what a person has to do today."""

from django.urls import reverse
from django.utils import timezone

from accounts.home import HomeCard, HomeItem
from accounts.models import User
from training.selectors import due_refreshers


def home_cards(user: User) -> list[HomeCard]:
    if not user.has_perm("training.view_learning"):
        return []
    return [refresher_card(user)]


def refresher_card(user: User) -> HomeCard:
    """Refreshers due (spaced 2, 7, 30… days after a module was completed): one query."""
    today = timezone.localdate()
    items = []
    for refresher in due_refreshers(user, today):
        late = (today - refresher.due_on).days
        items.append(
            HomeItem(
                label=f"Refresher: {refresher.module.title}",
                url=reverse("training:refresher", args=[refresher.pk]),
                detail=f"{refresher.interval_days} days after you completed it · a minute",
                badge=f"due {late} day{'s' if late != 1 else ''} ago" if late else "due today",
                tone="warning" if late > 7 else "",
            )
        )
    return HomeCard(
        key="refreshers",
        title="Refreshers",
        items=items,
        empty_text="No refresher due: questions from the modules you completed come back here to keep them fresh.",
        order=40,
    )
