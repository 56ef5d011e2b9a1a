import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.tasks import clear_expired_sessions
from enablement_portal.celery import app, ping

ROOT = Path(__file__).resolve().parent.parent


def test_without_redis_url_the_task_runs_eagerly_in_process():
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    code = (
        "import django; django.setup()\n"
        "from enablement_portal.celery import ping\n"
        "result = ping.delay()\n"
        "print(type(result).__name__, result.get(timeout=1))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "EagerResult pong"


@pytest.mark.services
def test_a_real_worker_runs_the_task_sent_through_redis(redis_url):
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    # A queue of its own, so that no other worker on this Redis can take the task.
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "enablement_portal",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env={**os.environ, "REDIS_URL": redis_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        result = ping.apply_async(queue=queue)
        assert result.get(timeout=60) == "pong"
    finally:
        worker.terminate()
        log = worker.communicate(timeout=30)[0]
    assert f"Task enablement_portal.ping[{result.id}] succeeded" in log


def test_every_beat_job_names_a_registered_task():
    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name


@pytest.mark.django_db
def test_the_nightly_session_cleanup_removes_only_expired_sessions():
    now = timezone.now()
    Session.objects.create(session_key="expired", session_data="e30", expire_date=now - timedelta(hours=1))
    Session.objects.create(session_key="current", session_data="e30", expire_date=now + timedelta(hours=1))
    clear_expired_sessions.apply()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["current"]
