"""The nightly task through Redis and a real worker process, on the test's PostgreSQL database."""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from enablement_portal.celery import app
from telemetry.models import MetricSnapshot, RunStatus, TelemetryRun
from telemetry.services import default_as_of, telemetry_recompute
from tests.telemetry.conftest import AS_OF
from tests.telemetry.test_services import snapshot

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.services,
    # Not a missing service: the SQLite pass runs without PostgreSQL by design.
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="DATABASE_URL is not PostgreSQL: the worker must share the test's database",
    ),
    pytest.mark.django_db(transaction=True),
]


def worker_database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def worker(redis_url: str, queue: str) -> Iterator[subprocess.Popen]:
    """A prefork worker with one child, consuming only `queue`, on the test database."""
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "enablement_portal", "worker", "--pool=prefork", "--concurrency=1",
         "-Q", queue, "--without-heartbeat", "--without-mingle", "--without-gossip", "--loglevel=INFO"],
        cwd=ROOT,
        env={**os.environ, "REDIS_URL": redis_url, "DATABASE_URL": worker_database_url()},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        yield process
    finally:
        process.terminate()
        try:
            log = process.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            process.kill()
            log = process.communicate()[0]
        print(log)


def wait_for(condition: Callable[[], object], *, timeout: float = 60) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {condition}")


def children_of(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                children.append(int(entry.name))
    return children


def test_the_beat_scheduled_task_sent_through_redis_writes_the_snapshot(redis_url, worked_example):
    queue = f"test-telemetry-{uuid.uuid4().hex[:8]}"
    entry = settings.CELERY_BEAT_SCHEDULE["telemetry-nightly-recompute"]
    with worker(redis_url, queue):
        # What beat does at 02:00: send the entry's task with its arguments to the broker.
        result = app.send_task(entry["task"], args=entry.get("args", ()), kwargs=entry.get("kwargs", {}), queue=queue)
        outcome = result.get(timeout=90)
    yesterday = default_as_of(days_back=1)
    assert outcome["status"] == RunStatus.SUCCEEDED
    assert outcome["as_of"] == yesterday.isoformat()
    run = TelemetryRun.objects.get(task_id=result.id)
    assert run.trigger == "nightly"
    assert MetricSnapshot.objects.filter(as_of=yesterday, run=run).count() == run.rows > 0


def test_a_worker_killed_mid_run_is_redelivered_and_gives_the_same_snapshot(redis_url, worked_example):
    expected_rows = telemetry_recompute(as_of=AS_OF).rows
    expected = snapshot()
    queue = f"test-telemetry-{uuid.uuid4().hex[:8]}"
    with worker(redis_url, queue) as process:
        with transaction.atomic():
            # Hold a snapshot row, so the task's write waits on it: the task is mid-run for sure.
            MetricSnapshot.objects.select_for_update().filter(as_of=AS_OF).first()
            result = app.send_task("telemetry.tasks.recompute", kwargs={"as_of": AS_OF.isoformat()}, queue=queue)
            wait_for(lambda: TelemetryRun.objects.filter(task_id=result.id, status=RunStatus.RUNNING).exists())
            wait_for(lambda: waiting_on_a_lock() > 0)
            (child,) = children_of(process.pid)
            os.kill(child, signal.SIGKILL)
        # The message was not acknowledged: the worker requeues it and a new child runs it again.
        outcome = result.get(timeout=90)
    assert outcome["status"] == RunStatus.SUCCEEDED
    runs = dict(TelemetryRun.objects.filter(task_id=result.id).values_list("status", "rows"))
    assert runs == {RunStatus.ABANDONED: 0, RunStatus.SUCCEEDED: expected_rows}
    assert snapshot() == expected
    assert MetricSnapshot.objects.filter(as_of=AS_OF).count() == expected_rows


def waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]
