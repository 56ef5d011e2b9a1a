"""The task's contract and its nightly schedule."""

from datetime import date

import pytest
from celery.schedules import crontab
from django.conf import settings

from enablement_portal.celery import app
from telemetry import tasks
from telemetry.models import MetricSnapshot, RunStatus, TelemetryRun
from tests.telemetry.conftest import AS_OF


def test_the_nightly_entry_runs_the_recompute_at_two_in_the_settings_time_zone():
    entry = settings.CELERY_BEAT_SCHEDULE["telemetry-nightly-recompute"]
    assert entry["task"] == "telemetry.tasks.recompute"
    assert entry["schedule"] == crontab(hour=2, minute=0)
    assert app.conf.timezone == settings.TIME_ZONE
    # At 02:00 the last complete day is yesterday.
    assert entry["kwargs"]["days_back"] == 1


def test_the_task_is_acknowledged_late_and_retries_database_errors_with_jittered_backoff():
    task = app.tasks["telemetry.tasks.recompute"]
    assert task.acks_late and task.reject_on_worker_lost
    assert task.retry_jitter and task.retry_backoff
    from django.db import DatabaseError

    assert DatabaseError in task.autoretry_for
    # Every countdown stays below the broker's visibility timeout, or Redis would redeliver a
    # message that is only waiting for its retry to a second worker.
    visibility_timeout = (app.conf.broker_transport_options or {}).get("visibility_timeout", 3600)
    assert task.retry_backoff_max < visibility_timeout
    assert task.time_limit <= visibility_timeout


@pytest.mark.django_db
def test_the_task_recomputes_the_date_it_is_given(worked_example):
    outcome = tasks.recompute.apply(kwargs={"as_of": AS_OF.isoformat(), "trigger": "admin"}).get()
    assert outcome["status"] == RunStatus.SUCCEEDED
    run = TelemetryRun.objects.get(pk=outcome["run"])
    assert (run.as_of, run.trigger) == (AS_OF, "admin")
    assert MetricSnapshot.objects.filter(as_of=AS_OF).count() == outcome["rows"] > 0


@pytest.mark.django_db
def test_a_database_error_is_retried_later_and_recorded_as_a_failed_run(worked_example, monkeypatch):
    from celery.exceptions import Retry
    from django.db import DatabaseError

    from telemetry import metrics

    def lost_connection(span):
        raise DatabaseError("server closed the connection unexpectedly")

    monkeypatch.setitem(metrics.METRICS, "win_rate", lost_connection)
    # In-process (eager) the retry is raised rather than scheduled: it says when it would run.
    with pytest.raises(Retry) as retry:
        tasks.recompute.apply(kwargs={"as_of": date(2026, 6, 30).isoformat()})
    assert 0 <= retry.value.when <= tasks.RETRY_BACKOFF_MAX_SECONDS
    run = TelemetryRun.objects.get()
    assert run.status == RunStatus.FAILED
    assert "server closed the connection" in run.error
