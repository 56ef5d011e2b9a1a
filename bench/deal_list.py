"""The deal list (/pipeline/deals/) at BENCH_DEAL_LIST_DEALS (100,000) deals, as an admin who sees them all.

- Search: `?q=<word>` (a word in about 2% of deal names or account names), first page with its total.
- Filtered page: `?stage=Discovery&product=<id>&sort=-amount`, and its third page (keyset `after`).
- Baseline: the raw SQL of a first page (50 rows of one stage, newest first, with the account's
  name) on the same database in the same run, so the ratio shows what the page adds to the query.
Target: p95 < 100 ms on PostgreSQL. The deals are removed again at the end (and at the start,
should an earlier run have been interrupted).
"""

import os
import random
import re
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role, Team, User
from accounts.services import user_set_role
from bench.common import Result, p95_ms, per_call_seconds
from enablement_portal.db import rows_insert
from pipeline.models import Account, Deal, Product, Stage

DEALS = int(os.environ.get("BENCH_DEAL_LIST_DEALS", "100000"))
REPEAT = int(os.environ.get("BENCH_DEAL_LIST_REPEAT", "100"))
SOURCE = "bench-list"
ACCOUNT_PREFIX = "Bench list account"
WORDS = [f"w{n:02d}x" for n in range(50)]
STAGES = [s.value for s in Stage]
NEXT = re.compile(r'href="\?([^"]*after=[^"]+)" rel="next"')


def _clean() -> None:
    """Remove the benchmark's deals and accounts (raw deletes: 100,000 rows through the ORM's collector is slow)."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM pipeline_deal WHERE source = %s", [SOURCE])
        cursor.execute("DELETE FROM pipeline_account WHERE name LIKE %s", [f"{ACCOUNT_PREFIX}%"])


def _people() -> tuple[User, list[User]]:
    team, _ = Team.objects.get_or_create(name="benchlist")
    admin, _ = User.objects.get_or_create(username="benchlist.admin", defaults={"role": Role.ENABLEMENT_ADMIN})
    user_set_role(user=admin, role=Role.ENABLEMENT_ADMIN)
    reps = []
    for i in range(20):
        rep, _ = User.objects.get_or_create(username=f"benchlist.rep{i}", defaults={"team": team})
        reps.append(user_set_role(user=rep, role=Role.REP))
    return admin, reps


def _load(reps: list[User]) -> list[Product]:
    rng = random.Random(3)
    products = [Product.objects.get_or_create(name=name)[0] for name in ["GTX Pro", "MG Special", "GTX Basic"]]
    Account.objects.bulk_create(
        [Account(name=f"{ACCOUNT_PREFIX} {rng.choice(WORDS)} {n}", industry="software") for n in range(2000)]
    )
    accounts = list(Account.objects.filter(name__startswith=ACCOUNT_PREFIX).values_list("pk", flat=True))
    now = timezone.now()
    rows = []
    for n in range(DEALS):
        owner = reps[n % len(reps)]
        stage = STAGES[n % len(STAGES)]
        created = now - timedelta(minutes=rng.randrange(60 * 24 * 700))
        closed = stage in {Stage.CLOSED_WON, Stage.CLOSED_LOST}
        rows.append(
            {
                "name": f"Deal {rng.choice(WORDS)} {n}",
                "account_id": accounts[n % len(accounts)],
                "owner_id": owner.pk,
                "team_id": owner.team_id,
                "amount": Decimal(rng.randrange(100, 100000)),
                "currency": "USD",
                "product_id": products[n % len(products)].pk,
                "expected_close_date": None if closed else date(2026, 1, 1) + timedelta(days=rng.randrange(365)),
                "stage": stage,
                "stage_entered_at": created,
                "lost_at_stage": "",
                "lost_note": "",
                "closed_at": created if closed else None,
                "created_at": created,
                "updated_at": created,
                "source": SOURCE,
            }
        )
    rows_insert(Deal, rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE pipeline_deal")
            cursor.execute("ANALYZE pipeline_account")
    return products


def _page(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]


def _raw_first_page() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT d.id, d.name, a.name FROM pipeline_deal d JOIN pipeline_account a ON a.id = d.account_id "
            "WHERE d.stage = %s ORDER BY d.created_at DESC, d.id DESC LIMIT 50",
            [Stage.DISCOVERY.value],
        )
        cursor.fetchall()


def run() -> list[Result]:
    _clean()
    admin, reps = _people()
    try:
        products = _load(reps)
        client = Client(SERVER_NAME="localhost")
        client.force_login(admin)
        word = WORDS[7]
        search = f"/pipeline/deals/?q={word}"
        filtered = f"/pipeline/deals/?stage=Discovery&product={products[1].pk}&sort=-amount"
        later = filtered
        for _ in range(2):
            found = NEXT.search(client.get(later).content.decode())
            if found:
                later = "/pipeline/deals/?" + found.group(1).replace("&amp;", "&")
        base = per_call_seconds(_raw_first_page, repeat=REPEAT, warmup=5)
        timings = {
            "search": per_call_seconds(lambda: _page(client, search), repeat=REPEAT, warmup=5),
            "filtered page": per_call_seconds(lambda: _page(client, filtered), repeat=REPEAT, warmup=5),
            "filtered page 3": per_call_seconds(lambda: _page(client, later), repeat=REPEAT, warmup=5),
        }
        with CaptureQueriesContext(connection) as queries:
            _page(client, search)
        results = [
            Result(
                f"deal list: {DEALS} deals, {name} p95",
                p95_ms(samples),
                "ms",
                p95_ms(base),
                p95_ms(samples) / p95_ms(base),
                "< 100 ms (PostgreSQL)",
            )
            for name, samples in timings.items()
        ]
        results.append(Result(f"deal list: {DEALS} deals, queries", len(queries), "queries", 1, len(queries), "fixed"))
        return results
    finally:
        _clean()
