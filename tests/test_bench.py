"""`make bench` runs whole, every module in one run, on the pass's database kind (a smoke: tiny sizes, no timing).

The whole run once crashed on PostgreSQL when the pipeline benchmark followed the others in the same
database (it named owners that only had usernames), and later on a version with neither file nor link.
On SQLite the bench makes its own temporary file; on PostgreSQL it uses `<database>_bench`, kept between
runs as a developer's would be, so a second run over the first's leftovers is tested too.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
import psycopg
from psycopg import sql

from tests.conftest import reachable, require

ROOT = Path(__file__).resolve().parent.parent
MODULES = {
    "call_lint",
    "api_auth",
    "collateral_relevance",
    "collateral_search",
    "deal_list",
    "home",
    "leads_intake",
    "load",
    "pipeline",
    "recommendations",
    "telemetry",
}
TINY = {
    "COLLATERAL_BENCH_SIZES": "150,300",
    "COLLATERAL_BENCH_REPEAT": "1",
    "LEADS_BENCH_N": "200",
    "LEADS_BENCH_SINGLE": "20",
    "LEADS_BENCH_CONCURRENT_N": "60",
    "BENCH_BOARD_DEALS": "60",
    "BENCH_IMPORT_ROWS": "400",
    "TELEMETRY_BENCH_SIZES": "300",
    "BENCH_DEAL_LIST_DEALS": "300",
    "BENCH_DEAL_LIST_REPEAT": "3",
    "BENCH_HOME_DEALS": "60",
    "BENCH_HOME_REPEAT": "2",
    # Loading the whole demo takes longer than the rest of the smoke; `make bench` runs it.
    "BENCH_HOME_DEMO": "0",
    "LOAD_BENCH_USERS": "3",
    "LOAD_BENCH_SECONDS": "15",
    "RECOMMENDATIONS_BENCH_DEALS": "300",
    "RECOMMENDATIONS_BENCH_REPEAT": "20",
    "CALL_LINT_BENCH_CALLS": "200",
    "CALL_LINT_BENCH_REPEAT": "2",
}


def bench_database_url() -> str | None:
    """`<database>_bench` on PostgreSQL (created when missing); None on SQLite, where the bench makes its own."""
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        return None
    require(reachable(database_url), f"PostgreSQL at {database_url} is not reachable")
    parts = urlsplit(database_url)
    url = urlunsplit(parts._replace(path=f"{parts.path}_bench"))
    config = dj_database_url.parse(url)
    params = {"host": config["HOST"], "port": config["PORT"], "user": config["USER"], "password": config["PASSWORD"]}
    with psycopg.connect(dbname="postgres", autocommit=True, **{k: v for k, v in params.items() if v}) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
    return url


def test_make_bench_runs_every_module_in_one_run(tmp_path):
    results = tmp_path / "results.json"
    env = {**os.environ, **TINY, "BENCH_RESULTS": str(results)}
    env.pop("BENCH_DATABASE_URL", None)
    if url := bench_database_url():
        env["BENCH_DATABASE_URL"] = url
    # Generous: on a busy 2-core machine the PostgreSQL pass (demo data for the load test included)
    # has taken over ten minutes; an idle one takes a few.
    done = subprocess.run(
        [sys.executable, "-m", "bench"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1500
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    names = [row["name"] for row in json.loads(results.read_text())]
    # One row at least from every module: the table is whole.
    assert any(name.startswith("api:") for name in names)
    assert any(name.startswith("collateral:") for name in names)
    assert any(name.startswith("leads") for name in names)
    assert any(name.startswith(("board:", "transition", "import")) for name in names)
    assert any(name.startswith("telemetry:") for name in names)
    assert any(name.startswith("deal list:") for name in names)
    assert any(name.startswith("home:") for name in names)
    assert any(name.startswith("recommendations:") for name in names)
    assert any(name.startswith("call lint:") for name in names)
    # The load test is PostgreSQL + Redis only (the second pass of the suite has both).
    if os.environ.get("REDIS_URL") and "BENCH_DATABASE_URL" in env:
        assert any(name.startswith("load:") for name in names)
    modules = {path.stem for path in (ROOT / "bench").glob("*.py") if not path.stem.startswith("_")}
    assert modules - {"common"} == MODULES
