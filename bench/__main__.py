"""Run every benchmark module in bench/ and report.

    python -m bench [MODULE …]              one database: BENCH_DATABASE_URL, default a temporary SQLite file
    python -m bench --both [MODULE …]       SQLite, then PostgreSQL, each in its own process; writes
                                            bench/results.json and bench/RESULTS.md (`make bench`)

The benchmarks use their own database, never the one in DATABASE_URL, so a run cannot touch
real data. With --both, PostgreSQL is BENCH_POSTGRES_URL (default
postgres://postgres@127.0.0.1:5432/enablement_portal_bench, created when missing).
"""

import importlib
import json
import logging
import os
import pkgutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/enablement_portal_bench"


def run_one(only: set[str]) -> int:
    # Modules named `_…` are not benchmarks: the Locust file, the two-backend report.
    workdir = tempfile.mkdtemp(prefix="portal-bench-")
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enablement_portal.settings")
    # A benchmark sends far more requests than a person may (API_RATE_LIMIT_REQUESTS per minute).
    os.environ.setdefault("API_RATE_LIMIT_REQUESTS", str(10**9))
    sys.path.insert(0, str(HERE.parent))

    import django
    from django.core.management import call_command

    django.setup()
    # Refused requests are part of the measurement; their 4xx warnings are not output.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    call_command("migrate", verbosity=0)

    results = []
    for module in pkgutil.iter_modules([str(HERE)]):
        if module.name in {"common", "__main__"} or module.name.startswith("_"):
            continue
        if only and module.name not in only:
            continue
        bench = importlib.import_module(f"bench.{module.name}")
        results.extend(bench.run())

    results_path = Path(os.environ.get("BENCH_RESULTS", HERE / "results.json"))
    results_path.write_text(json.dumps([r.as_dict() for r in results], indent=2) + "\n")
    header = f"{'benchmark':<44} {'value':>12} {'unit':<10} {'baseline':>12} {'ratio':>7}  target"
    print(header)
    print("-" * len(header))
    for r in results:
        print(f"{r.name:<44} {r.value:>12.3f} {r.unit:<10} {r.baseline:>12.3f} {r.ratio:>7.2f}  {r.target}")
    print(f"\nwrote {results_path} ({len(results)} results, database {os.environ['DATABASE_URL']})")
    return 0


def main() -> int:
    args = sys.argv[1:]
    if "--both" in args:
        from bench._report import run_both

        return run_both(only={a for a in args if a != "--both"}, postgres_url=postgres_url())
    return run_one(set(args))


def postgres_url() -> str:
    return os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)


if __name__ == "__main__":
    sys.exit(main())
