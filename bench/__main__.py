"""Run every benchmark module in bench/ and report.

The benchmarks use their own database (BENCH_DATABASE_URL, default a temporary SQLite
file), never the one in DATABASE_URL, so a run cannot touch real data.
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


def main() -> int:
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

    only = set(sys.argv[1:])
    results = []
    for module in pkgutil.iter_modules([str(HERE)]):
        if module.name in {"common", "__main__"} or (only and module.name not in only):
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


if __name__ == "__main__":
    sys.exit(main())
