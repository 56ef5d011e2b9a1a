"""Demo people for `load_demo`: the sales teams of the crm-sample export (copied into
accounts/demo_data/, so nothing outside the repo is read at run time), plus an enablement
admin and a marketing ops user.

Every app's demo is laid out backwards from one "demo today" (`demo_today()`, the day
`load_demo` runs, or the day given with `--date`), so the data are current on the day they
load: the same day gives the same rows, another day the same rows moved to it.
"""

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiKey, Role, User, hash_api_key
from accounts.services import (
    split_full_name,
    team_get_or_create,
    team_name_for,
    user_create,
    user_set_role,
    username_for,
)

DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105 (public demo login)
SALES_TEAMS_CSV = Path(__file__).resolve().parent / "demo_data" / "sales_teams.csv"


def demo_today() -> date:
    """The day the demo is laid out from when none is given: today, in the portal's time zone."""
    return timezone.localdate()


def demo_moment(day: date, hour: int = 10, minute: int = 0, *, today: date) -> datetime:
    """`day` at `hour` in the portal's time zone; on or after `today`, today's midnight instead, so a
    demo loaded at 8 a.m. has nothing in the future (no negative ages) and still the same rows."""
    if day >= today:
        return timezone.make_aware(datetime.combine(today, time(0)))
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    note: str


def _upsert_user(*, username: str, full_name: str, password_hash: str, role: str, **fields: Any) -> User:
    """Create the demo user, or put an existing one back as the demo describes it (its password aside)."""
    fields["email"] = f"{username}@demo.example"
    user = User.objects.filter(username=username).first()
    if user is None:
        return user_create(username=username, full_name=full_name, role=role, password_hash=password_hash, **fields)
    user.first_name, user.last_name = split_full_name(full_name)
    for name, value in fields.items():
        setattr(user, name, value)
    return user_set_role(user=user, role=role)


def demo_api_key(*, name: str, token: str, scopes: Iterable[str]) -> ApiKey:
    """The API key for a public demo token (other apps' demo loaders print it), made once."""
    api_key = ApiKey.objects.filter(key_hash=hash_api_key(token)).first()
    if api_key is None:
        api_key = ApiKey(name=name, prefix=token[:10], key_hash=hash_api_key(token), scopes=sorted(scopes))
        api_key.full_clean()
        api_key.save()
    return api_key


@transaction.atomic
def load_demo_people(*, today: date) -> list[DemoLogin]:
    rows = list(csv.DictReader(SALES_TEAMS_CSV.open(newline="")))
    # One hash for every demo user: hashing is deliberately slow, and these logins are public anyway.
    password_hash = make_password(DEMO_PASSWORD)

    managers: dict[str, User] = {}
    for index, (manager_name, office) in enumerate(sorted({(r["manager"], r["regional_office"]) for r in rows})):
        team = team_get_or_create(name=team_name_for(office=office, manager_name=manager_name), region=office)
        managers[manager_name] = _upsert_user(
            username=username_for(manager_name),
            full_name=manager_name,
            password_hash=password_hash,
            role=Role.MANAGER,
            team=team,
            manager=None,
            start_date=today - timedelta(days=3 * 365 + 45 * index),
        )

    # Reps' start dates are spread evenly over the two years before today.
    for index, row in enumerate(rows):
        manager = managers[row["manager"]]
        _upsert_user(
            username=username_for(row["sales_agent"]),
            full_name=row["sales_agent"],
            password_hash=password_hash,
            role=Role.REP,
            team=manager.team,
            manager=manager,
            start_date=today - timedelta(days=round(730 * (index + 0.5) / len(rows))),
        )

    for username, full_name, role in [
        ("enablement", "Erin Admin", Role.ENABLEMENT_ADMIN),
        ("marketing", "Morgan Ops", Role.MARKETING_OPS),
    ]:
        _upsert_user(
            username=username,
            full_name=full_name,
            password_hash=password_hash,
            role=role,
            team=None,
            manager=None,
            start_date=today - timedelta(days=900),
        )

    first_manager = sorted(managers)[0]
    first_rep = next(r for r in rows if r["manager"] == first_manager)["sales_agent"]
    return [
        DemoLogin(username_for(first_rep), "rep", f"one of {len(rows)} reps, each named first.last"),
        DemoLogin(username_for(first_manager), "manager", f"one of {len(managers)} managers, with a team"),
        DemoLogin("enablement", "enablement_admin", "Django admin for content, people and criteria"),
        DemoLogin("marketing", "marketing_ops", "API keys and lead quality"),
    ]
