"""Telemetry's Celery task: a thin wrapper around `telemetry_recompute` that owns its retries."""

from datetime import date

from celery import Task, shared_task
from django.conf import settings
from django.db import DatabaseError

from telemetry.services import default_as_of, telemetry_recompute

# Retry countdowns stay well below the Redis visibility timeout (an hour by default): a
# message held longer than that would be handed to a second worker while the first waits.
RETRY_BACKOFF_SECONDS = 5
RETRY_BACKOFF_MAX_SECONDS = 10 * 60
MAX_RETRIES = 5


@shared_task(
    bind=True,
    name="telemetry.tasks.recompute",
    # Acknowledged only when done, and requeued if its worker dies, so a crash means a rerun.
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=RETRY_BACKOFF_SECONDS,
    retry_backoff_max=RETRY_BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
    soft_time_limit=int(settings.TELEMETRY_RUN_TIME_LIMIT * 0.9),
    time_limit=settings.TELEMETRY_RUN_TIME_LIMIT,
)
def recompute(self: Task, as_of: str | None = None, days_back: int = 0, trigger: str = "task") -> dict:
    """Recompute the snapshot of `as_of` (YYYY-MM-DD), or of `days_back` days before today."""
    day = date.fromisoformat(as_of) if as_of else default_as_of(days_back=days_back)
    run = telemetry_recompute(as_of=day, trigger=trigger, task_id=self.request.id or "")
    return {"run": run.pk, "as_of": day.isoformat(), "status": run.status, "rows": run.rows}
