"""Closing the loop: recommendations for one deal, and the new metrics' share of the recompute.

Data: telemetry's synthetic load (bench/telemetry.py: 500 reps, 2,000 assets, about 2 usage
events per deal of which a third are shares) at RECOMMENDATIONS_BENCH_DEALS deals (default
20000 so that `make bench` stays short; the issue's figure is at 100000, its share target at
1M on PostgreSQL). Every deal is on one account without an industry, so the deal's industry
segment holds every asset ever shared: the largest read a recommendation makes.

Results: recommendations for one open deal, p95 over RECOMMENDATIONS_BENCH_REPEAT deals
(read from the snapshot: five queries); and the seconds of the metrics issue 13 added against
the full recompute (bench/telemetry.py's new_metrics_seconds, which its own run reports per size
too: the 1M figure comes from `TELEMETRY_BENCH_SIZES=1000000 python -m bench telemetry`).
"""

import os

from django.db import connection
from django.db.models import OuterRef, Subquery

from bench.common import Result, median_ms, p95_ms, per_call_seconds
from bench.telemetry import _assets, _load, _people, _recompute, new_metrics_seconds
from collateral.models import Asset, AssetVersion
from pipeline.models import Deal
from telemetry.recommendations import recommendations_for

DEALS = int(os.environ.get("RECOMMENDATIONS_BENCH_DEALS", "20000"))
REPEAT = int(os.environ.get("RECOMMENDATIONS_BENCH_REPEAT", "200"))


def run() -> list[Result]:
    assets = _assets()
    # telemetry's bench assets carry a published version but no current one (usage is all it
    # needs); a recommendation shows only visible assets, so give each its version.
    Asset.objects.filter(asset_id__startswith="BC-", current_version__isnull=True).update(
        current_version=Subquery(AssetVersion.objects.filter(asset=OuterRef("pk")).values("pk")[:1])
    )
    _load(DEALS, _people(), assets)
    total, steps = _recompute()
    new, new_rows, all_rows = new_metrics_seconds(steps)
    print(f"recommendations: {DEALS} deals recomputed in {total:.2f} s, of which new metrics {new:.2f} s "
          f"({new_rows} of {all_rows} rows); load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    samples = _recommendation_samples()
    return [
        Result(
            f"recommendations: one deal, {DEALS // 1000}k deals ({connection.vendor})",
            p95_ms(samples),
            "ms p95",
            30.0,
            p95_ms(samples) / 30.0,
            "< 30 ms p95 at 2,000 assets and 100k deals",
            detail=f"p50 {median_ms(samples):.1f} ms",
        ),
        Result(
            f"telemetry: new metrics' share {DEALS // 1000}k ({connection.vendor})",
            new / total * 100,
            "% of run",
            25.0,
            new / total * 100 / 25.0,
            "< 25 % of the full recompute at 1M on PG",
        ),
    ]


def _recommendation_samples() -> list[float]:
    deals = list(Deal.objects.open().select_related("account", "product").order_by("pk")[: max(REPEAT, 20)])
    cycle = iter(deals * (REPEAT // len(deals) + 2))
    return per_call_seconds(lambda: recommendations_for(next(cycle)), repeat=REPEAT, warmup=10)
