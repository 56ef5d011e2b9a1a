"""The people an import names: found by e-mail, full name or username, or created on their team."""

import csv
from pathlib import Path

from django.core.exceptions import ValidationError

from accounts.models import Role, User
from accounts.services import team_get_or_create, team_name_for, user_create, username_for


class OwnerDirectory:
    """Finds users by e-mail, full name or username (case-insensitive); creates them if asked."""

    def __init__(self, *, create: bool, teams: dict[str, tuple[str, str]] | None) -> None:
        self.create, self.teams = create, teams or {}
        self.by_key: dict[str, User] = {}
        for user in User.objects.filter(is_active=True).select_related("team"):
            for key in (user.email, user.get_full_name(), user.username):
                if key:
                    self.by_key.setdefault(key.strip().lower(), user)
        self.created: list[str] = []
        self.refused: set[str] = set()

    def find(self, raw: str) -> User | None:
        key = " ".join(raw.split()).lower()
        if not key:
            return None
        user = self.by_key.get(key)
        if user is None and self.create and "@" not in key and key not in self.refused:
            user = self._create(" ".join(raw.split()))
            if user is None:
                self.refused.add(key)
            else:
                self.by_key[key] = user
        return user

    def _create(self, full_name: str) -> User | None:
        manager_name, office = self.teams.get(full_name.lower(), ("", ""))
        team = None
        if manager_name:
            team = team_get_or_create(name=team_name_for(office=office, manager_name=manager_name), region=office)
        try:
            user = user_create(username=username_for(full_name), full_name=full_name, role=Role.REP, team=team)
        except ValidationError:
            # A name that makes no valid login (or one taken by an inactive user) stays an unknown owner.
            return None
        self.created.append(full_name)
        return user


def read_team_file(path: Path) -> dict[str, tuple[str, str]]:
    """sales_agent,manager,regional_office rows -> {agent name (lower): (manager, office)}."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return {
            " ".join(r["sales_agent"].split()).lower(): (r["manager"].strip(), r["regional_office"].strip())
            for r in csv.DictReader(handle)
        }
