"""The home page (the work queue) per role.

- Demo: `load_demo`, then each demo role's home (rep, manager, enablement admin, marketing ops);
  baseline the password-change page for the same person (the same stack: session, navigation
  and its unread badge, base template), so the ratio is what the home's cards cost.
- Scale: a team with BENCH_HOME_DEALS (2,000) open deals, leads, overdue programs and updates;
  the manager's and a rep's home; baseline the same homes for a team with 20 deals. The query
  counts must be equal: a provider's queries do not depend on the number of items.

Everything runs inside a transaction that is rolled back, so the other benchmarks of the run
(which share the bench database) never see the demo data or the big team.
"""

import os
import random
from datetime import timedelta
from decimal import Decimal

from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role, Team, User
from accounts.services import user_set_role
from bench.common import Result, p95_ms, per_call_seconds
from leads.models import Lead, LeadStatus
from leads.services import integration_create
from pipeline.models import Account, Deal, Stage
from training.models import Enrollment, Module, Program, ProgramModule, Update

HOME_DEALS = int(os.environ.get("BENCH_HOME_DEALS", "2000"))
REPEAT = int(os.environ.get("BENCH_HOME_REPEAT", "60"))
OPEN = [Stage.LEAD_IN, Stage.DISCOVERY, Stage.TECHNICAL_DEMO, Stage.PROPOSAL, Stage.CLOSING]
DEMO_ROLES = [
    ("rep", "violet.mclelland"),
    ("manager", "cara.losch"),
    ("admin", "enablement"),
    ("marketing", "marketing"),
]
# The demo part loads the whole demo (tens of seconds); the suite's smoke run turns it off.
DEMO = os.environ.get("BENCH_HOME_DEMO", "1") != "0"


class Rollback(Exception):
    """Raised to roll back the benchmark's data at the end."""


def _measure(user: User, path: str) -> tuple[list[float], int]:
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    samples = per_call_seconds(lambda: client.get(path), repeat=REPEAT, warmup=3)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return samples, len(queries)


Measured = tuple[list[float], int]


def _results(label: str, home: Measured, base: Measured, base_name: str, queries_target: str) -> list[Result]:
    (samples, queries), (base_samples, base_queries) = home, base
    return [
        Result(
            f"home: {label} p95",
            p95_ms(samples),
            "ms",
            p95_ms(base_samples),
            p95_ms(samples) / p95_ms(base_samples),
            f"< 150 ms (baseline: {base_name})",
        ),
        Result(f"home: {label} queries", queries, "queries", base_queries, queries / base_queries, queries_target),
    ]


def bench_demo() -> list[Result]:
    call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115 (closed with the process)
    results = []
    for role, username in DEMO_ROLES:
        user = User.objects.get(username=username)
        home = _measure(user, "/")
        base = _measure(user, "/password/")
        results += _results(f"demo {role}", home, base, "password page", "fixed (pinned by tests)")
    return results


def _team(name: str, deals: int) -> tuple[User, User]:
    """A team of 20 reps with `deals` open deals, half as many leads waiting, an overdue program each
    and `deals // 20` unacknowledged updates; returns its manager and its first rep."""
    rng = random.Random(12)
    now, today = timezone.now(), timezone.localdate()
    team = Team.objects.create(name=f"bench home {name}")
    manager = user_set_role(user=User.objects.create(username=f"bhome.{name}.manager", team=team), role=Role.MANAGER)
    reps = [
        user_set_role(
            user=User.objects.create(username=f"bhome.{name}.rep{i}", team=team, manager=manager), role=Role.REP
        )
        for i in range(20)
    ]
    account = Account.objects.create(name=f"bench home {name}")
    Deal.objects.bulk_create(
        Deal(
            name=f"{name} deal {i}",
            account=account,
            owner=reps[i % len(reps)],
            team=team,
            amount=Decimal(rng.randint(500, 90000)),
            stage=OPEN[i % len(OPEN)],
            stage_entered_at=now - timedelta(days=rng.randint(0, 90)),
            expected_close_date=today + timedelta(days=rng.randint(-30, 90)),
        )
        for i in range(deals)
    )
    integration, _ = integration_create(name=f"bench home {name}")
    payload = {"bench": True}
    Lead.objects.bulk_create(
        Lead(
            integration=integration,
            lead_id=f"{name}-{i}",
            source="bench",
            email=f"lead{i}@example.com",
            first_name="Lead",
            last_name=str(i),
            job_title="CTO",
            company_name=f"Company {i}",
            industry="software",
            employee_count=100,
            engagement_score=80,
            raw_payload=payload,
            payload_digest="0" * 64,
            status=LeadStatus.MQL,
            owner=reps[i % len(reps)],
            team=team,
        )
        for i in range(deals // 2)
    )
    program = Program.objects.create(name=f"bench home {name}", onboarding=False)
    for order in range(5):
        module = Module.objects.create(title=f"bench home {name} {order}", summary="s", body="b", estimated_minutes=5)
        ProgramModule.objects.create(program=program, module=module, order=order)
    Enrollment.objects.bulk_create(
        Enrollment(user=rep, program=program, due_date=today - timedelta(days=3)) for rep in reps
    )
    Update.objects.bulk_create(
        Update(title=f"{name} update {i}", body="b", kind="product", published_at=now - timedelta(hours=1))
        for i in range(deals // 20)
    )
    return manager, reps[0]


def bench_scale() -> list[Result]:
    small_manager, small_rep = _team("small", 20)
    big_manager, big_rep = _team("big", HOME_DEALS)
    results = []
    for label, small, big in [("manager", small_manager, big_manager), ("rep", small_rep, big_rep)]:
        big_home, small_home = _measure(big, "/"), _measure(small, "/")
        results += _results(
            f"{label}, team of {HOME_DEALS} open deals", big_home, small_home, "team of 20 deals", "equal to baseline"
        )
    return results


def run() -> list[Result]:
    results: list[Result] = []
    try:
        with transaction.atomic():
            results += bench_demo() if DEMO else []
            results += bench_scale()
            raise Rollback
    except Rollback:
        pass
    return results
