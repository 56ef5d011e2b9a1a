"""Telemetry's writes: recomputing one date's snapshot.

`telemetry_recompute` is what the nightly task, `manage.py recompute_telemetry` and the
admin's "Recompute now" all run. It is idempotent: the same data gives the same snapshot.
"""

import json
import logging
import time
from collections.abc import Callable
from datetime import date, timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from enablement_portal.db import rows_insert
from telemetry import metrics
from telemetry.models import MetricSnapshot, RunStatus, TelemetryRun

logger = logging.getLogger(__name__)

# progress(step, done, total): called before each metric and once at the end.
Progress = Callable[[str, int, int], None]


class RunTakenOver(Exception):
    """Another run declared this one dead and took its date; this one must not write."""


def default_as_of(*, days_back: int = 0) -> date:
    return timezone.localdate() - timedelta(days=days_back)


@transaction.atomic
def telemetry_compute(*, as_of: date, progress: Progress | None = None) -> list[metrics.Row]:
    """Every metric's rows for `as_of`, without storing anything."""
    if connection.vendor == "postgresql":
        # PostgreSQL's JIT spends longer compiling the funnel's hundred-odd aggregate expressions
        # than the query takes to run (EXPLAIN ANALYZE at 100k deals: 2.7 s of 4.2 s).
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
    window = metrics.Span.ending(as_of)
    rows: list[metrics.Row] = []
    for done, (name, compute) in enumerate(metrics.METRICS.items()):
        if progress:
            progress(name, done, len(metrics.METRICS))
        rows.extend(compute(window))
    if progress:
        progress("write", len(metrics.METRICS), len(metrics.METRICS))
    return rows


def telemetry_recompute(
    *, as_of: date, trigger: str = "command", task_id: str = "", progress: Progress | None = None
) -> TelemetryRun:
    """Recompute `as_of`'s snapshot and replace the stored one in a single transaction.

    Returns the run: `succeeded`, or `skipped` when another run is recomputing the date (two
    runs never both write a date). Not atomic as a whole on purpose: the run row is committed
    first, so that it is the lock other runs see and the dashboard can show "running".
    Raises what the computation raises (the run is then marked `failed`).
    """
    run = _claim(as_of=as_of, trigger=trigger, task_id=task_id)
    if run.status == RunStatus.SKIPPED:
        return run
    started = time.monotonic()
    try:
        rows = telemetry_compute(as_of=as_of, progress=progress)
        _replace_snapshot(run=run, rows=rows, seconds=time.monotonic() - started)
    except RunTakenOver:
        return TelemetryRun.objects.get(pk=run.pk)
    except Exception as error:
        _mark_failed(run=run, error=error, seconds=time.monotonic() - started)
        raise
    return run


def _claim(*, as_of: date, trigger: str, task_id: str) -> TelemetryRun:
    """The date's running run for this caller: a new one, or a skipped one if the date is taken.

    A running run of the same Celery task id is a dead attempt of this very message (the
    broker redelivers a message only when its worker died), and one older than the run time
    limit is dead too: either is marked abandoned and the date claimed again.
    """
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return TelemetryRun.objects.create(as_of=as_of, trigger=trigger, task_id=task_id)
        except IntegrityError:
            holder = TelemetryRun.objects.running().filter(as_of=as_of).first()
            if holder is None:
                continue
            stale = holder.started_at < timezone.now() - timedelta(seconds=settings.TELEMETRY_RUN_TIME_LIMIT)
            if (task_id and holder.task_id == task_id) or stale:
                TelemetryRun.objects.filter(pk=holder.pk, status=RunStatus.RUNNING).update(
                    status=RunStatus.ABANDONED, finished_at=timezone.now(), error="Its worker stopped mid-run."
                )
                continue
            return TelemetryRun.objects.create(
                as_of=as_of,
                trigger=trigger,
                task_id=task_id,
                status=RunStatus.SKIPPED,
                finished_at=timezone.now(),
                duration=timedelta(0),
                error=f"Run {holder.pk} was recomputing this date.",
            )
    raise DatabaseError(f"Could not claim the telemetry run for {as_of}.")


@transaction.atomic
def _replace_snapshot(*, run: TelemetryRun, rows: list[metrics.Row], seconds: float) -> None:
    # The run row is the lock: if another run took the date meanwhile, this one writes nothing.
    current = TelemetryRun.objects.select_for_update().get(pk=run.pk)
    if current.status != RunStatus.RUNNING:
        raise RunTakenOver(run.pk)
    MetricSnapshot.objects.filter(as_of=run.as_of).delete()
    # Set-based: COPY on PostgreSQL, executemany on SQLite, no model instance per row (a 1M-deal
    # night writes a few hundred thousand rows; bulk_create spent longer on them than every query).
    rows_insert(
        MetricSnapshot,
        [
            {
                "as_of": run.as_of,
                "run_id": run.pk,
                "metric": row.metric,
                "period": row.period,
                "dimension": row.dimension,
                "key": row.key,
                "label": row.label,
                "numerator": row.numerator,
                "denominator": row.denominator,
                "value": row.value,
                # As the JSONField stores it (both backends take the text).
                "details": json.dumps(row.details),
                "team_id": row.team_id,
                "position": row.position,
                "segment": row.segment,
            }
            for row in rows
        ],
    )
    if connection.vendor == "postgresql":
        # The whole date was replaced: fresh statistics let the recommendations' segment reads use
        # their index from the first request (stale ones estimated a row each and scanned the metric).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE telemetry_metricsnapshot")
    run.status = RunStatus.SUCCEEDED
    run.finished_at = timezone.now()
    run.duration = timedelta(seconds=seconds)
    run.rows = len(rows)
    run.full_clean()
    run.save(update_fields=["status", "finished_at", "duration", "rows"])


def _mark_failed(*, run: TelemetryRun, error: Exception, seconds: float) -> None:
    try:
        TelemetryRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            duration=timedelta(seconds=seconds),
            error=f"{type(error).__name__}: {error}"[:2000],
        )
    except DatabaseError:
        # The database itself is what failed; the run stays "running" until it is stale.
        logger.exception("Could not record the failure of telemetry run %s", run.pk)
