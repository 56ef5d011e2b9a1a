"""Lead intake through the real HTTP stack: gunicorn on 127.0.0.1 serving the project, on
the bench database (SQLite by default, PostgreSQL with BENCH_DATABASE_URL).

- Batches: LEADS_BENCH_N leads (default 10,000) in batches of 100, one client. Baseline: a raw
  `bulk_create` of the same rows in batches of 100, in this run. Target >= 5,000 leads/s, <= 2x.
- Single lead: LEADS_BENCH_SINGLE sequential POSTs (default 500); p95 against GET /health. Target < 15 ms.
- Concurrency: 20 clients post LEADS_BENCH_CONCURRENT_N single leads (default 2,000; the issue's
  10,000 takes about three minutes on SQLite here) with Idempotency-Keys, 10% of them sent twice
  (right after the first, so some resends race it); a 409 is retried. Exactly N rows, no
  duplicates, no 5xx.
"""

import http.client
import json
import os
import random
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import transaction

from accounts.models import Role, Team, User
from bench.common import Result, median_ms, p95_ms, server
from leads.models import Integration, Lead, LeadRejection, RoundRobinCursor, RoutingRule
from leads.schemas import LeadIn
from leads.services import integration_create
from leads.validation import lead_fields, payload_digest

N = int(os.environ.get("LEADS_BENCH_N", "10000"))
SINGLE = int(os.environ.get("LEADS_BENCH_SINGLE", "500"))
CONCURRENT_N = int(os.environ.get("LEADS_BENCH_CONCURRENT_N", "2000"))
BATCH = 100
CLIENTS = 20
CRITERIA = ["downloaded_technical_whitepaper", "visited_pricing_page", "is_developer_title"]


def payload(prefix: str, n: int) -> dict:
    return {
        "leadId": f"{prefix}-{n}",
        "source": "ContentDownload_Whitepaper_Q2",
        "contactInfo": {
            "email": f"person{n}@company{n % 97}.com",
            "firstName": "Jane",
            "lastName": f"Doe {n}",
            "jobTitle": "Senior Software Engineer",
        },
        "firmographics": {"companyName": f"Company {n % 97}", "industry": "SaaS", "employeeCount": 50 + n % 5000},
        "engagementScore": 40 + n % 61,
        "qualificationCriteriaMet": CRITERIA[: 1 + n % 3],
    }


class Client:
    """One keep-alive HTTP connection, as a marketing system's sender would hold."""

    def __init__(self, port: int, token: str):
        self.port, self.token = port, token
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method: str, path: str, body: object = None, key: str | None = None) -> tuple[int, bytes]:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        if key:
            headers["Idempotency-Key"] = key
        data = None if body is None else json.dumps(body).encode()
        for attempt in range(3):
            try:
                self.connection.request(method, path, body=data, headers=headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                if attempt == 2:
                    raise
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        raise AssertionError("unreachable")


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def setup() -> tuple[Integration, str]:
    Lead.objects.filter(integration__name__startswith="bench").delete()
    LeadRejection.objects.filter(integration__name__startswith="bench").delete()
    for integration in Integration.objects.filter(name__startswith="bench"):
        integration.delete()
    integration, token = integration_create(name=f"bench {time.time_ns()}", rate_limit_requests=10**9)
    # Routing is part of intake: a rule and a team of five reps to take turns.
    team, _ = Team.objects.get_or_create(name="Bench team")
    for i in range(5):
        User.objects.get_or_create(username=f"bench.rep{i}", defaults={"role": Role.REP, "team": team})
    RoutingRule.objects.update_or_create(name="Bench SaaS", defaults={"industry": "SaaS", "team": team})
    RoundRobinCursor.objects.filter(team=team).delete()
    return integration, token


def raw_bulk_create(integration: Integration, payloads: list[dict]) -> float:
    """The floor: the same rows built in memory and written with bulk_create, 100 at a time."""
    rows = [
        Lead(integration=integration, lead_id=p["leadId"], raw_payload=p, payload_digest=payload_digest(p), **fields)
        for p in payloads
        for fields in [lead_fields(LeadIn.model_validate(p))]
    ]
    elapsed = 0.0
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        elapsed += timed(lambda chunk=chunk: _atomic_bulk_create(chunk))
    Lead.objects.filter(integration=integration).delete()
    return elapsed


def _atomic_bulk_create(rows: list[Lead]) -> None:
    with transaction.atomic():
        Lead.objects.bulk_create(rows)


def batches_over_http(port: int, token: str, payloads: list[dict]) -> list[float]:
    client = Client(port, token)
    latencies = []
    for start in range(0, len(payloads), BATCH):
        body = {"leads": payloads[start : start + BATCH]}
        begin = time.perf_counter()
        status, content = client.call("POST", "/api/v1/leads/batch", body)
        latencies.append(time.perf_counter() - begin)
        assert status == 207 and json.loads(content)["rejected"] == 0, content[:300]
    return latencies


def singles_over_http(port: int, token: str, payloads: list[dict]) -> tuple[list[float], list[float]]:
    client = Client(port, token)
    health, posts = [], []
    for p in payloads:
        health.append(timed(lambda: client.call("GET", "/api/v1/health")))
        begin = time.perf_counter()
        status, content = client.call("POST", "/api/v1/leads", p)
        posts.append(time.perf_counter() - begin)
        assert status == 201, content[:300]
    return health, posts


def concurrent_with_resends(port: int, token: str, payloads: list[dict]) -> tuple[float, Counter]:
    work = [(p, f"key-{p['leadId']}") for p in payloads]
    rng = random.Random(7)
    resent = rng.sample(work, len(work) // 10)
    # Each resend goes right after its first send, so it often races the first.
    for item in resent:
        work.insert(work.index(item) + 1, item)
    statuses: Counter = Counter()
    lock = threading.Lock()
    local = threading.local()

    def send(item) -> None:
        if not hasattr(local, "client"):
            local.client = Client(port, token)
        body, key = item
        while True:
            status, _ = local.client.call("POST", "/api/v1/leads", body, key=key)
            with lock:
                statuses[status] += 1
            if status != 409:
                break
            time.sleep(0.01)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(send, work))
    return time.perf_counter() - start, statuses


def run() -> list[Result]:
    vendor = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    integration, token = setup()
    batch_payloads = [payload("batch", n) for n in range(N)]
    bulk_seconds = raw_bulk_create(integration, batch_payloads)

    with server(workers=2, threads=2) as port:
        latencies = batches_over_http(port, token, batch_payloads)
        single_payloads = [payload("single", n) for n in range(SINGLE)]
        health, posts = singles_over_http(port, token, single_payloads)
    http_seconds = sum(latencies)

    concurrent_payloads = [payload("concurrent", n) for n in range(CONCURRENT_N)]
    with server(workers=3, threads=4) as port:
        concurrent_seconds, statuses = concurrent_with_resends(port, token, concurrent_payloads)
    rows = Lead.objects.filter(integration=integration, lead_id__startswith="concurrent-").count()
    duplicates = rows - len(
        set(Lead.objects.filter(integration=integration, lead_id__startswith="concurrent-").values_list("lead_id"))
    )
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    print(f"leads_intake ({vendor}): {CONCURRENT_N} leads by 20 clients, answers {dict(sorted(statuses.items()))}")

    single_rate = SINGLE / sum(posts)
    return [
        Result(
            f"leads ({vendor}): batches of 100, leads/s",
            N / http_seconds,
            "leads/s",
            N / bulk_seconds,
            (N / bulk_seconds) / (N / http_seconds),
            ">= 5000 leads/s; ratio (slowdown vs bulk_create) <= 2",
        ),
        Result(
            f"leads ({vendor}): batch latency p50",
            statistics.median(latencies) * 1000,
            "ms",
            bulk_seconds / (N / BATCH) * 1000,
            statistics.median(latencies) / (bulk_seconds / (N / BATCH)),
            "baseline: bulk_create of 100 rows",
        ),
        Result(
            f"leads ({vendor}): batch latency p95",
            p95_ms(latencies),
            "ms",
            bulk_seconds / (N / BATCH) * 1000,
            p95_ms(latencies) / (bulk_seconds / (N / BATCH) * 1000),
            "baseline: bulk_create of 100 rows",
        ),
        Result(
            f"leads ({vendor}): single POST p95",
            p95_ms(posts),
            "ms",
            p95_ms(health),
            p95_ms(posts) / p95_ms(health),
            "< 15 ms; baseline GET /health p95",
        ),
        Result(
            f"leads ({vendor}): single POST p50",
            median_ms(posts),
            "ms",
            median_ms(health),
            median_ms(posts) / median_ms(health),
            "baseline GET /health p50",
        ),
        Result(
            f"leads ({vendor}): 20 clients + 10% resends, leads/s",
            CONCURRENT_N / concurrent_seconds,
            "leads/s",
            single_rate,
            (CONCURRENT_N / concurrent_seconds) / single_rate,
            "baseline: one client, single POSTs",
        ),
        Result(
            f"leads ({vendor}): 20 clients, rows stored",
            rows,
            "rows",
            CONCURRENT_N,
            rows / CONCURRENT_N,
            f"exactly {CONCURRENT_N}; {duplicates} duplicates, {server_errors} 5xx",
        ),
        Result(
            f"leads ({vendor}): 20 clients, 5xx + duplicates",
            server_errors + duplicates,
            "count",
            0,
            0.0 if server_errors + duplicates == 0 else float("inf"),
            "0",
        ),
    ]
