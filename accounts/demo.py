"""Demo people for `load_demo`: the sales teams of the crm-sample export (copied into
accounts/demo_data/, so nothing outside the repo is read at run time), plus an enablement
admin and a marketing ops user. Deterministic: the same rows on every run and machine.
"""

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import Role, Team, User
from accounts.services import user_set_role

DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105 (public demo login)
# Start dates are laid out backwards from this fixed day, so every load gives the same data.
DEMO_ANCHOR = date(2026, 11, 1)
SALES_TEAMS_CSV = Path(__file__).resolve().parent / "demo_data" / "sales_teams.csv"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    note: str


def username_for(full_name: str) -> str:
    return ".".join(full_name.lower().split())


def team_name(office: str, manager: str) -> str:
    return f"{office} · {manager.split()[-1]}"


def _person(username: str, full_name: str, email_domain: str = "demo.example") -> dict:
    first, _, last = full_name.partition(" ")
    return {"first_name": first, "last_name": last, "email": f"{username}@{email_domain}"}


def _upsert_user(*, username: str, password_hash: str, role: str, **fields: Any) -> User:
    user, created = User.objects.update_or_create(username=username, defaults=fields)
    if created:
        user.password = password_hash
        user.save(update_fields=["password"])
    return user_set_role(user=user, role=role)


@transaction.atomic
def load_demo_people() -> list[DemoLogin]:
    rows = list(csv.DictReader(SALES_TEAMS_CSV.open(newline="")))
    # One hash for every demo user: hashing is deliberately slow, and these logins are public anyway.
    password_hash = make_password(DEMO_PASSWORD)

    managers: dict[str, User] = {}
    for index, (manager_name, office) in enumerate(sorted({(r["manager"], r["regional_office"]) for r in rows})):
        team, _ = Team.objects.update_or_create(name=team_name(office, manager_name), defaults={"region": office})
        username = username_for(manager_name)
        managers[manager_name] = _upsert_user(
            username=username,
            password_hash=password_hash,
            role=Role.MANAGER,
            team=team,
            manager=None,
            start_date=DEMO_ANCHOR - timedelta(days=3 * 365 + 45 * index),
            **_person(username, manager_name),
        )

    # Reps' start dates are spread evenly over the two years before the anchor.
    for index, row in enumerate(rows):
        manager = managers[row["manager"]]
        username = username_for(row["sales_agent"])
        _upsert_user(
            username=username,
            password_hash=password_hash,
            role=Role.REP,
            team=manager.team,
            manager=manager,
            start_date=DEMO_ANCHOR - timedelta(days=round(730 * (index + 0.5) / len(rows))),
            **_person(username, row["sales_agent"]),
        )

    for username, full_name, role in [
        ("enablement", "Erin Admin", Role.ENABLEMENT_ADMIN),
        ("marketing", "Morgan Ops", Role.MARKETING_OPS),
    ]:
        _upsert_user(
            username=username,
            password_hash=password_hash,
            role=role,
            team=None,
            manager=None,
            start_date=DEMO_ANCHOR - timedelta(days=900),
            **_person(username, full_name),
        )

    first_manager = sorted(managers)[0]
    first_rep = next(r for r in rows if r["manager"] == first_manager)["sales_agent"]
    return [
        DemoLogin(username_for(first_rep), "rep", f"one of {len(rows)} reps, each named first.last"),
        DemoLogin(username_for(first_manager), "manager", f"one of {len(managers)} managers, with a team"),
        DemoLogin("enablement", "enablement_admin", "Django admin for content, people and criteria"),
        DemoLogin("marketing", "marketing_ops", "API keys and lead quality"),
    ]
