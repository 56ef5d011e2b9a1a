"""Recomputing a date: idempotent, atomic, and one writer per date."""

from datetime import date, timedelta

import pytest
from django.db import DatabaseError
from django.utils import timezone

from pipeline.models import Deal
from telemetry import metrics
from telemetry.models import MetricSnapshot, RunStatus, TelemetryRun
from telemetry.services import telemetry_recompute
from tests.telemetry.conftest import AS_OF

pytestmark = pytest.mark.django_db

FIELDS = ["metric", "period", "dimension", "key", "label", "numerator", "denominator", "value", "details", "team_id"]


def snapshot(as_of: date = AS_OF) -> list[tuple]:
    return list(MetricSnapshot.objects.filter(as_of=as_of).order_by(*FIELDS[:4]).values_list(*FIELDS))


def test_a_run_stores_the_snapshot_and_its_run_row(worked_example):
    run = telemetry_recompute(as_of=AS_OF, trigger="command")
    assert run.status == RunStatus.SUCCEEDED
    assert run.rows == MetricSnapshot.objects.filter(as_of=AS_OF, run=run).count() > 0
    assert run.finished_at >= run.started_at
    assert run.duration is not None


def test_running_twice_for_a_date_gives_an_identical_snapshot(worked_example):
    first = telemetry_recompute(as_of=AS_OF)
    before = snapshot()
    second = telemetry_recompute(as_of=AS_OF)
    assert snapshot() == before
    assert MetricSnapshot.objects.filter(as_of=AS_OF).count() == second.rows == first.rows
    # The rows now belong to the second run; none of the first run's are left.
    assert not MetricSnapshot.objects.filter(run=first).exists()


def test_a_recomputation_replaces_the_date_and_leaves_other_dates_alone(worked_example):
    telemetry_recompute(as_of=AS_OF)
    telemetry_recompute(as_of=AS_OF - timedelta(days=1))
    other_day = snapshot(AS_OF - timedelta(days=1))
    Deal.objects.filter(pk=worked_example["deals"][1].pk).delete()
    telemetry_recompute(as_of=AS_OF)
    overall = MetricSnapshot.objects.get(as_of=AS_OF, metric="win_rate", period="all", dimension="all")
    # Without deal #2 (lost): won 3 of 4.
    assert (overall.numerator, overall.denominator) == (3, 4)
    assert snapshot(AS_OF - timedelta(days=1)) == other_day


def test_a_run_while_another_is_running_for_the_date_writes_nothing(worked_example):
    holder = TelemetryRun.objects.create(as_of=AS_OF, trigger="nightly", task_id="other-task")
    run = telemetry_recompute(as_of=AS_OF, trigger="admin")
    assert run.status == RunStatus.SKIPPED
    assert f"Run {holder.pk}" in run.error
    assert not MetricSnapshot.objects.exists()
    # Another date is free.
    assert telemetry_recompute(as_of=AS_OF - timedelta(days=1)).status == RunStatus.SUCCEEDED


def test_a_redelivered_task_takes_over_the_run_its_dead_worker_left(worked_example):
    dead = TelemetryRun.objects.create(as_of=AS_OF, trigger="nightly", task_id="task-1")
    run = telemetry_recompute(as_of=AS_OF, trigger="nightly", task_id="task-1")
    assert run.status == RunStatus.SUCCEEDED
    dead.refresh_from_db()
    assert dead.status == RunStatus.ABANDONED
    assert TelemetryRun.objects.running().count() == 0


def test_a_run_older_than_the_time_limit_is_taken_over(worked_example, settings):
    settings.TELEMETRY_RUN_TIME_LIMIT = 60
    stale = TelemetryRun.objects.create(
        as_of=AS_OF, trigger="nightly", task_id="gone", started_at=timezone.now() - timedelta(minutes=5)
    )
    assert telemetry_recompute(as_of=AS_OF).status == RunStatus.SUCCEEDED
    stale.refresh_from_db()
    assert stale.status == RunStatus.ABANDONED


def test_a_run_that_was_taken_over_does_not_write(worked_example, monkeypatch):
    real_compute = metrics.METRICS["win_rate"]

    def taken_over_meanwhile(span):
        # Another run declared this one dead while it computed.
        TelemetryRun.objects.running().update(status=RunStatus.ABANDONED)
        return real_compute(span)

    monkeypatch.setitem(metrics.METRICS, "win_rate", taken_over_meanwhile)
    run = telemetry_recompute(as_of=AS_OF)
    assert run.status == RunStatus.ABANDONED
    assert not MetricSnapshot.objects.exists()


def test_a_failing_run_is_recorded_and_keeps_the_previous_snapshot(worked_example, monkeypatch):
    telemetry_recompute(as_of=AS_OF)
    before = snapshot()

    def broken(span):
        raise DatabaseError("connection lost")

    monkeypatch.setitem(metrics.METRICS, "sales_cycle", broken)
    with pytest.raises(DatabaseError):
        telemetry_recompute(as_of=AS_OF)
    failed = TelemetryRun.objects.latest_first().first()
    assert failed.status == RunStatus.FAILED
    assert "connection lost" in failed.error
    assert snapshot() == before
