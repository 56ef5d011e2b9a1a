"""Closing the loop: recommendations for one deal, and the new metrics' share of the recompute.

Data: telemetry's synthetic load (bench/telemetry.py: 500 reps, 2,000 assets, about 2 usage
events per deal of which a third are shares) at RECOMMENDATIONS_BENCH_DEALS deals (default
20000 so that `make bench` stays short; the issue's figure is at 100000, its share target at
1M on PostgreSQL). Every deal is on one account without an industry, so the deal's industry
segment holds every asset ever shared: the largest read a recommendation makes.

Results: recommendations for one open deal, p95 over RECOMMENDATIONS_BENCH_REPEAT deals
(read from the snapshot: five queries); and the seconds of the metrics this work added
(content lift, per-rep funnel, readiness, gate compliance, and the team rows of the product
win rate and the sales cycle), plus their share of the snapshot write, against the full
recompute.
"""

import os
import time

from django.db import connection
from django.db.models import OuterRef, Q, Subquery

from bench.common import Result, p95_ms, per_call_seconds
from bench.telemetry import AS_OF, _assets, _load, _people
from collateral.models import Asset, AssetVersion
from pipeline.models import Deal
from telemetry import metrics
from telemetry.metrics.deals import _sales_cycle, win_rate_groups
from telemetry.models import Dimension, Metric, MetricSnapshot
from telemetry.recommendations import recommendations_for
from telemetry.services import telemetry_recompute

DEALS = int(os.environ.get("RECOMMENDATIONS_BENCH_DEALS", "20000"))
REPEAT = int(os.environ.get("RECOMMENDATIONS_BENCH_REPEAT", "200"))
NEW_METRICS = ["content_lift", "rep_funnel", "readiness", "gate_compliance"]
NEW_ROWS = {Metric.CONTENT_LIFT, Metric.REP_FUNNEL, Metric.READINESS, Metric.GATE_COMPLIANCE}
NEW_DIMENSIONS = {Dimension.TEAM_PRODUCT, Dimension.TEAM_OUTCOME}


def run() -> list[Result]:
    assets = _assets()
    # telemetry's bench assets carry a published version but no current one (usage is all it
    # needs); a recommendation shows only visible assets, so give each its version.
    Asset.objects.filter(asset_id__startswith="BC-", current_version__isnull=True).update(
        current_version=Subquery(AssetVersion.objects.filter(asset=OuterRef("pk")).values("pk")[:1])
    )
    _load(DEALS, _people(), assets)
    total, steps = _recompute()
    rows = MetricSnapshot.objects.filter(as_of=AS_OF)
    all_rows = rows.count()
    new_rows = rows.filter(Q(metric__in=NEW_ROWS) | Q(dimension__in=NEW_DIMENSIONS)).count()
    # The new metrics' own queries, plus their part of the snapshot write (by rows).
    new = sum(steps[name] for name in NEW_METRICS) + _team_rows_seconds()
    new += steps["write"] * new_rows / max(all_rows, 1)
    print(
        f"recommendations: {DEALS} deals recomputed in {total:.2f} s, of which new metrics {new:.2f} s "
        f"({new_rows} of {all_rows} rows); steps: "
        + ", ".join(f"{name} {seconds:.2f}s" for name, seconds in steps.items())
    )
    samples = _recommendation_samples()
    return [
        Result(
            f"recommendations: one deal, {DEALS // 1000}k deals ({connection.vendor})",
            p95_ms(samples),
            "ms p95",
            30.0,
            p95_ms(samples) / 30.0,
            "< 30 ms p95 at 2,000 assets and 100k deals",
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


def _recompute() -> tuple[float, dict[str, float]]:
    """The full recompute, timed per step (each metric, then the write)."""
    steps: dict[str, float] = {}
    marks: list[tuple[str, float]] = []

    def progress(step: str, done: int, total: int) -> None:
        marks.append((step, time.perf_counter()))

    started = time.perf_counter()
    run = telemetry_recompute(as_of=AS_OF, trigger="bench", progress=progress)
    finished = time.perf_counter()
    assert run.status == "succeeded", run.error
    for (step, at), (_, after) in zip(marks, [*marks[1:], ("end", finished)], strict=True):
        steps[step] = after - at
    return finished - started, steps


def _team_rows_seconds() -> float:
    """The team rows added to two existing metrics, timed alone (they run inside them)."""
    window = metrics.Span.ending(AS_OF)
    started = time.perf_counter()
    win_rate_groups(window, Dimension.TEAM_PRODUCT)
    _sales_cycle(window, by_team=True)
    return time.perf_counter() - started


def _recommendation_samples() -> list[float]:
    deals = list(Deal.objects.open().select_related("account", "product").order_by("pk")[: max(REPEAT, 20)])
    cycle = iter(deals * (REPEAT // len(deals) + 2))
    return per_call_seconds(lambda: recommendations_for(next(cycle)), repeat=REPEAT, warmup=10)
