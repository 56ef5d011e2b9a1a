"""A load test of the pages: reps and managers browsing through gunicorn + PostgreSQL + Redis.

LOAD_BENCH_USERS simulated people (default 50; `bench/_locustfile.py`) sign in with the demo
logins and browse home, the board, deal pages, collateral search and the learning pages for
LOAD_BENCH_SECONDS (default 120) against gunicorn with 4 workers, production settings
(DEBUG off, collectstatic with the manifest storage), the bench's PostgreSQL database and Redis
(cache, sessions' rate limits, Celery's broker). Locust runs headless in its own process.

Per page: p50/p95/p99, requests and errors; the baseline is `GET /api/v1/health` in the same run.
Target: p95 < 250 ms on every page and no errors.

PostgreSQL and Redis only (the issue's setup): on SQLite, or without a Redis, it says so and
returns nothing.
"""

import csv
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import redis
from django.conf import settings
from django.core.management import call_command

from accounts.demo import DEMO_PASSWORD, SALES_TEAMS_CSV
from accounts.services import username_for
from bench.common import ROOT, Result, server

USERS = int(os.environ.get("LOAD_BENCH_USERS", "50"))
SECONDS = int(os.environ.get("LOAD_BENCH_SECONDS", "120"))
WORKERS = 4
TARGET_P95_MS = 250
BASELINE = "health"
# Locust's own rows, not pages: signing in happens once per simulated person.
NOT_PAGES = {"Aggregated", BASELINE, "login", "login page"}


def redis_url() -> str | None:
    url = os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/11"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return None
    return url


def run() -> list[Result]:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        print("load: skipped on SQLite (the load test runs against PostgreSQL + Redis)")
        return []
    if not (cache_url := redis_url()):
        print("load: skipped, no Redis reachable (set BENCH_REDIS_URL)")
        return []
    call_command("load_demo", verbosity=0)
    # The demo's sales people (other benchmarks' people in this database have no demo password).
    rows = list(csv.DictReader(SALES_TEAMS_CSV.open(newline="")))
    reps = sorted({username_for(row["sales_agent"]) for row in rows})
    managers = sorted({username_for(row["manager"]) for row in rows})
    workdir = Path(tempfile.mkdtemp(prefix="portal-load-"))
    env = {"REDIS_URL": cache_url, "STATIC_ROOT": str(workdir / "static"), "API_RATE_LIMIT_REQUESTS": str(10**9)}
    production = {**os.environ, "DEBUG": "0", "SECRET_KEY": "bench-only-" + "k" * 50, **env}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=production, check=True
    )
    with server(workers=WORKERS, threads=2, env=env) as port:
        locust_env = {
            **os.environ,
            "LOAD_PASSWORD": DEMO_PASSWORD,
            "LOAD_REPS": ",".join(reps),
            "LOAD_MANAGERS": ",".join(managers),
        }
        command = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "_locustfile.py"), "--headless"]
        command += ["-u", str(USERS), "-r", str(max(1, USERS // 10)), "-t", f"{SECONDS}s"]
        command += ["--host", f"http://127.0.0.1:{port}", "--csv", str(workdir / "load"), "--only-summary"]
        command += ["--loglevel", "WARNING", "--exit-code-on-error", "0"]
        subprocess.run(command, cwd=ROOT, env=locust_env, check=True, timeout=SECONDS + 120)
    stats = {row["Name"]: row for row in csv.DictReader((workdir / "load_stats.csv").open())}
    return results_of(stats)


def results_of(rows: dict[str, dict[str, str]]) -> list[Result]:
    # A smoke run on a busy machine may end before any health request: no baseline, no ratio.
    baseline = float(rows[BASELINE]["95%"]) if BASELINE in rows else 0.0
    print(f"\nload: {USERS} users for {SECONDS} s, gunicorn {WORKERS} workers; ms per page")
    print(f"  {'page':<20} {'requests':>8} {'errors':>6} {'p50':>6} {'p95':>6} {'p99':>6}")
    results = []
    target = f"< {TARGET_P95_MS} ms"
    for name, row in sorted(rows.items()):
        p50, p95, p99 = (float(row[q]) for q in ("50%", "95%", "99%"))
        requests, errors = int(row["Request Count"]), int(row["Failure Count"])
        print(f"  {name:<20} {requests:>8} {errors:>6} {p50:>6.0f} {p95:>6.0f} {p99:>6.0f}")
        if name in NOT_PAGES:
            continue
        detail = f"p50 {p50:.0f} ms, p99 {p99:.0f} ms, {requests} requests, {errors} errors"
        results.append(
            Result(f"load: {name} p95", p95, "ms", baseline, p95 / baseline if baseline else 0.0, target, detail)
        )
    total = rows["Aggregated"]
    errors = int(total["Failure Count"])
    detail = f"{int(total['Request Count'])} requests, {USERS} users, {SECONDS} s"
    results.append(Result("load: errors", errors, "requests", 0, 0.0, "0", detail))
    return results
