"""`make bench`: the whole bench on SQLite, then on PostgreSQL, and the report of both.

Each backend runs `python -m bench` in its own process (Django's settings are per process), so a
failure in one is reported with its output and still fails the run. The rows of both go to
bench/results.json (each with its `backend`) and to bench/RESULTS.md with the machine they were
measured on: cores, CPU, load average before and after, Python, SQLite, PostgreSQL and Redis
versions, the commit and the date.
"""

import datetime
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import dj_database_url
import psycopg
import redis
from psycopg import sql

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def ensure_database(url: str) -> str:
    """The server's version; creates the database named by the URL when it does not exist."""
    config = dj_database_url.parse(url)
    given = {"host": config["HOST"], "port": config["PORT"], "user": config["USER"], "password": config["PASSWORD"]}
    params: dict[str, Any] = {k: v for k, v in given.items() if v}
    with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **params) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
        row = conn.execute("SHOW server_version").fetchone()
    return row[0] if row else "?"


def redis_version() -> str:
    url = os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/11"
    try:
        return str(redis.Redis.from_url(url, socket_connect_timeout=1).info("server")["redis_version"])
    except redis.RedisError:
        return "not reachable"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def load_average() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() or "?"


def run_both(*, only: set[str], postgres_url: str) -> int:
    machine = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit(),
        "cores": os.cpu_count(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": ensure_database(postgres_url),
        "redis": redis_version(),
        "load average before (1/5/15 min)": load_average(),
    }
    workdir = Path(tempfile.mkdtemp(prefix="portal-bench-both-"))
    rows, failed = [], []
    for backend, database_url in (("sqlite", None), ("postgresql", postgres_url)):
        env = {**os.environ, "BENCH_RESULTS": str(workdir / f"{backend}.json")}
        env.pop("BENCH_DATABASE_URL", None)
        if database_url:
            env["BENCH_DATABASE_URL"] = database_url
        print(f"\n===== {backend} =====", flush=True)
        done = subprocess.run([sys.executable, "-m", "bench", *sorted(only)], cwd=ROOT, env=env)
        if done.returncode != 0:
            failed.append(backend)
            continue
        rows += [{"backend": backend, **row} for row in json.loads((workdir / f"{backend}.json").read_text())]
    machine["load average after (1/5/15 min)"] = load_average()

    results_path = Path(os.environ.get("BENCH_RESULTS", HERE / "results.json"))
    results_path.write_text(json.dumps({"machine": machine, "results": rows}, indent=2) + "\n")
    report_path = Path(os.environ.get("BENCH_REPORT", HERE / "RESULTS.md"))
    report_path.write_text(report(machine, rows, failed))
    print(f"\nwrote {results_path} and {report_path}")
    if failed:
        print(f"FAILED on: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def report(machine: dict, rows: list[dict], failed: list[str]) -> str:
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m bench --both`): every module in `bench/` on SQLite, then on",
        "PostgreSQL, each backend in one run. The ratio compares the figure with a baseline measured in",
        "the same run (see each module's docstring for what its baseline is). Timings on a shared",
        "machine are noisy: read the ratios first, and the load average beside them.",
        "",
        "## Machine",
        "",
        *[f"- {key}: {value}" for key, value in machine.items()],
        "",
    ]
    if failed:
        lines += [f"**The run failed on: {', '.join(failed)}** (its rows are missing below).", ""]
    for backend in ("sqlite", "postgresql"):
        backend_rows = [row for row in rows if row["backend"] == backend]
        if not backend_rows:
            continue
        lines += [f"## {'SQLite' if backend == 'sqlite' else 'PostgreSQL'}", ""]
        lines += [
            "| benchmark | value | unit | baseline | ratio | target | detail |",
            "|---|---:|---|---:|---:|---|---|",
        ]
        for row in backend_rows:
            lines.append(
                f"| {row['name']} | {row['value']:,.2f} | {row['unit']} | {row['baseline']:,.2f} | "
                f"{row['ratio']:.2f} | {row['target']} | {row.get('detail', '')} |"
            )
        lines.append("")
    return "\n".join(lines)
