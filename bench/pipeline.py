"""The deal pipeline: the board, a transition through the API, and CRM imports.

- Board: a manager's board for a team with BENCH_BOARD_DEALS (2,000) open deals; baseline the
  same board with 20 deals (same stack, same queries), so the ratio shows what size costs.
- Transition: POST /api/v1/deals/{id}/transitions (QUALIFY with its criterion confirmed);
  baseline GET /api/v1/deals/{id} with the same key.
- Import: the crm-sample export (8,800 rows, when present) and a synthetic export of
  BENCH_IMPORT_ROWS (100,000) rows; baseline a raw `bulk_create` of as many prepared Deal rows
  in the same run (no parsing, no validation, no history), as rows per second. Target: the
  import (COPY into a staging table, then set-based INSERT … SELECT) >= 5x that baseline.
"""

import csv
import os
import random
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import connection, reset_queries
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.demo import demo_today, load_demo_people
from accounts.models import ApiKey, Role, Team, User
from accounts.services import api_key_create, user_set_role
from bench.common import Result, median_ms, p95_ms, per_call_seconds
from pipeline.imports.deals import deals_import
from pipeline.models import Account, CriterionCheck, Deal, Product, Stage, StageCriterion

BOARD_DEALS = int(os.environ.get("BENCH_BOARD_DEALS", "2000"))
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
# The team's shared folder beside the repository.
CRM_SAMPLE = Path(
    os.environ.get(
        "BENCH_CRM_SAMPLE",
        Path(__file__).resolve().parent.parent.parent / "shared" / "datasets" / "crm-sample" / "sales_pipeline.csv",
    )
)
OPEN = [Stage.LEAD_IN, Stage.DISCOVERY, Stage.TECHNICAL_DEMO, Stage.PROPOSAL, Stage.CLOSING]


def _team(name: str, reps: int) -> tuple[User, list[User]]:
    team, _ = Team.objects.get_or_create(name=name)
    manager, _ = User.objects.get_or_create(username=f"{name}.manager", defaults={"role": Role.MANAGER, "team": team})
    user_set_role(user=manager, role=Role.MANAGER)
    members = []
    for i in range(reps):
        rep, _ = User.objects.get_or_create(
            username=f"{name}.rep{i}", defaults={"first_name": f"{name}", "last_name": f"Rep{i}", "team": team}
        )
        members.append(user_set_role(user=rep, role=Role.REP))
    return manager, members


def _deals(reps: list[User], count: int, account: Account, stages=OPEN, prefix: str = "d") -> list[Deal]:
    rng = random.Random(7)
    now = timezone.now()
    products = [Product.objects.get_or_create(name=name)[0] for name in ["GTX Pro", "MG Special", "GTX Basic"]]
    return Deal.objects.bulk_create(
        Deal(
            name=f"{prefix}{i}",
            account=account,
            owner=reps[i % len(reps)],
            team_id=reps[0].team_id,
            amount=Decimal(rng.randint(500, 90000)),
            product=rng.choice(products),
            stage=stages[i % len(stages)],
            stage_entered_at=now - timedelta(days=rng.randint(0, 60)),
            expected_close_date=date.today() + timedelta(days=rng.randint(1, 90)),
        )
        for i in range(count)
    )


def _board(manager: User, repeat: int) -> tuple[list[float], int]:
    client = Client(SERVER_NAME="localhost")
    client.force_login(manager)
    samples = per_call_seconds(lambda: client.get("/pipeline/board/"), repeat=repeat, warmup=5)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/pipeline/board/").status_code == 200
    return samples, len(queries)


def bench_board(account: Account) -> list[Result]:
    small_manager, small_reps = _team("benchsmall", 5)
    big_manager, big_reps = _team("benchbig", 20)
    _deals(small_reps, 20, account)
    _deals(big_reps, BOARD_DEALS, account)
    base, base_queries = _board(small_manager, 100)
    big, big_queries = _board(big_manager, 100)
    return [
        Result(
            f"board: {BOARD_DEALS} open deals p50",
            median_ms(big),
            "ms",
            median_ms(base),
            median_ms(big) / median_ms(base),
            "p95 < 100 ms",
        ),
        Result(
            f"board: {BOARD_DEALS} open deals p95",
            p95_ms(big),
            "ms",
            p95_ms(base),
            p95_ms(big) / p95_ms(base),
            "< 100 ms",
        ),
        Result(
            f"board: {BOARD_DEALS} open deals queries",
            big_queries,
            "queries",
            base_queries,
            big_queries / base_queries,
            "<= 8",
        ),
    ]


def bench_transition(account: Account) -> list[Result]:
    manager, reps = _team("benchmove", 5)
    _, token = api_key_create(
        name="bench pipeline", scopes=["deals:read", "deals:write"], acts_for=manager, created_by=manager
    )
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    deals = _deals(reps, 600, account, stages=[Stage.LEAD_IN], prefix="m")
    gate = list(StageCriterion.objects.gating(Stage.LEAD_IN, Stage.DISCOVERY))
    CriterionCheck.objects.bulk_create(
        CriterionCheck(deal=d, criterion=c, checked_by=manager, evidence="bench") for d in deals for c in gate
    )
    client = Client(SERVER_NAME="localhost")
    pending = iter(deals)

    def read() -> None:
        assert client.get(f"/api/v1/deals/{deals[0].pk}", **headers).status_code == 200

    def move() -> None:
        response = client.post(
            f"/api/v1/deals/{next(pending).pk}/transitions",
            {"event": "QUALIFY"},
            content_type="application/json",
            **headers,
        )
        assert response.status_code == 200, response.content

    base = per_call_seconds(read, repeat=500)
    moved = per_call_seconds(move, repeat=500, warmup=20)
    return [
        Result(
            "transition API p50",
            median_ms(moved),
            "ms",
            median_ms(base),
            median_ms(moved) / median_ms(base),
            "p95 < 20 ms",
        ),
        Result("transition API p95", p95_ms(moved), "ms", p95_ms(base), p95_ms(moved) / p95_ms(base), "< 20 ms"),
    ]


def _raw_bulk_rate(rows: int, owner: User, account: Account) -> float:
    """Rows per second for bulk_create of prepared Deal rows (then removed again)."""
    start = time.perf_counter()
    created = _deals([owner], rows, account, stages=[Stage.DISCOVERY], prefix="raw")
    elapsed = time.perf_counter() - start
    Deal.objects.filter(pk__in=[d.pk for d in created]).delete()
    return rows / elapsed


# The crm-sample export spells one product "GTXPro": read as the list's "GTX Pro", as an importer would map it.
PRODUCT_MAP = {"gtxpro": "GTX Pro"}


def _timed_import(path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    report = deals_import(path=path, product_map=PRODUCT_MAP)
    elapsed = time.perf_counter() - start
    assert not report.problems, report.problems[:5]
    return report.created / elapsed, report.created


def _synthetic_csv(rows: int, owners: list[User], path: Path) -> None:
    rng = random.Random(11)
    stages = ["Prospecting", "Engaging", "Won", "Lost"]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "opportunity_id",
                "sales_agent",
                "product",
                "account",
                "deal_stage",
                "engage_date",
                "close_date",
                "close_value",
            ]
        )
        for i in range(rows):
            stage = stages[i % 4]
            engaged = date(2024, 1, 1) + timedelta(days=rng.randint(0, 600))
            closed = engaged + timedelta(days=rng.randint(5, 120)) if stage in {"Won", "Lost"} else None
            writer.writerow(
                [
                    f"SYN{i:07d}",
                    owners[i % len(owners)].get_full_name(),
                    rng.choice(["GTX Pro", "MG Special", "GTX Basic"]),
                    f"Synthetic account {i % 500}",
                    stage,
                    "" if stage == "Prospecting" else engaged.isoformat(),
                    closed.isoformat() if closed else "",
                    rng.randint(0, 90000) if closed else "",
                ]
            )


def bench_import(account: Account) -> list[Result]:
    results = []
    load_demo_people(today=demo_today())
    owner = User.objects.filter(role=Role.REP).first()
    assert owner is not None, "load_demo_people() made no reps"
    if CRM_SAMPLE.exists():
        rate, rows = _timed_import(CRM_SAMPLE)
        raw = _raw_bulk_rate(rows, owner, account)
        results.append(
            Result(f"import crm-sample ({rows} rows)", rate, "rows/s", raw, rate / raw, ">= 5x raw bulk_create")
        )
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir) / "synthetic.csv"
        # Owners are named in the file by full name: only people who have one (other benchmarks in the
        # same database add reps known by username alone, which a CRM export could not name).
        named = [rep for rep in User.objects.filter(role=Role.REP, is_active=True) if rep.get_full_name()]
        _synthetic_csv(IMPORT_ROWS, named, path)
        rate, rows = _timed_import(path)
    raw = _raw_bulk_rate(rows, owner, account)
    results.append(Result(f"import synthetic ({rows} rows)", rate, "rows/s", raw, rate / raw, ">= 5x raw bulk_create"))
    return results


def _clean() -> None:
    """Remove what an earlier run left (a PostgreSQL bench database is not thrown away)."""
    Deal.objects.filter(Q(account__name="Bench account") | Q(source__startswith="import:")).delete()
    ApiKey.objects.filter(name="bench pipeline").delete()


def run() -> list[Result]:
    reset_queries()
    _clean()
    account, _ = Account.objects.get_or_create(name="Bench account")
    results = bench_board(account) + bench_transition(account) + bench_import(account)
    _clean()
    return results
