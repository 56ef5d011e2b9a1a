"""The home page as a work queue: each app contributes the cards of what a person has to do today.

Each app may have `<app>/home.py` with `home_cards(user: User) -> list[HomeCard]`; the home view
collects them in INSTALLED_APPS order (accounts never imports the apps above it, as with the
navigation's badges). A card's items link to where each is acted on, and an item leaves the list
once it is done, because every provider reads the current state. A provider makes a fixed number
of queries whatever the number of items (tests pin it at 5 and 50 items).
"""

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps

from accounts.models import User


@dataclass(frozen=True)
class HomeItem:
    label: str
    url: str
    # One line under the label: why it is here ("rotting for 12 days", "due in 3 days").
    detail: str = ""
    # A short tag beside the label ("overdue", "blocked: 2 criteria missing"); `tone` styles it.
    badge: str = ""
    tone: str = ""  # "" | "warning" | "danger" | "success"
    # Further links beside the item: (text, url) pairs ("3 rotting" to the filtered deal list).
    links: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class HomeCard:
    # A stable id: the card's heading id and what tests look for.
    key: str
    title: str
    items: list[HomeItem] = field(default_factory=list)
    # Said when there is nothing to do: what good looks like ("No leads waiting: every lead
    # assigned to you has been accepted or returned.").
    empty_text: str = ""
    # A link to the whole list behind the card ("All my deals").
    more_url: str = ""
    more_label: str = ""
    # Lower comes first on the page.
    order: int = 100
    # Figures shown as a row of facts instead of (or above) the items: (label, value) pairs.
    facts: list[tuple[str, str]] = field(default_factory=list)
    # How many things there are in all: when `items` shows only the first HOME_ITEMS of them, or
    # when each item groups several (a manager's card: one item per rep, counting the rep's deals).
    total: int | None = None
    grouped: bool = False

    @property
    def count(self) -> int:
        return len(self.items) if self.total is None else self.total

    @property
    def hidden(self) -> int:
        """Items not listed (none on a grouped card: every group is listed)."""
        return 0 if self.grouped else self.count - len(self.items)


# A card lists at most this many items; its heading counts all of them and `more_url` lists the rest.
HOME_ITEMS = 8


HomeProvider = Callable[[User], list[HomeCard]]


def app_functions(module: str, function: str) -> list[Any]:
    """`function` of every app above accounts that has `<app>/<module>.py`, in INSTALLED_APPS order
    (found by name: accounts never imports the apps above it)."""
    found = []
    for app_config in apps.get_app_configs():
        module_name = f"{app_config.name}.{module}"
        if app_config.name == "accounts" or not importlib.util.find_spec(module_name):
            continue
        found.append(getattr(importlib.import_module(module_name), function))
    return found


def home_providers() -> list[HomeProvider]:
    return app_functions("home", "home_cards")


def home_cards_for(user: User) -> list[HomeCard]:
    cards = [card for provider in home_providers() for card in provider(user)]
    return sorted(cards, key=lambda card: card.order)
