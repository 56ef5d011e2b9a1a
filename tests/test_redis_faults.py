"""Redis faults lose nothing and stall nothing.

Each test starts a redis-server of its own on a free port, points this process's cache and
Celery broker at it (with the settings' timeouts), then stops it or freezes it (SIGSTOP).
Requests run on the SQLite pass and the PostgreSQL pass alike; tasks that reach the broker are
run by a worker embedded in this process, on the test's database.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.db import connections
from django.test import Client, override_settings
from django.urls import reverse
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from accounts.models import OutboxMessage
from accounts.services import api_key_create
from enablement_portal.api import api
from enablement_portal.celery import app
from leads.models import Lead
from pipeline.models import Deal, DealStageChange, Event, Stage
from telemetry.models import RunStatus, TelemetryRun
from tests.conftest import require
from tests.leads.factories import IntegrationFactory, lead_payload
from tests.pipeline.factories import AccountFactory, DealFactory

# Real commits (on_commit runs, the worker thread sees the rows), with the seeded rows restored.
pytestmark = [pytest.mark.services, pytest.mark.usefixtures("transactional_db")]

LEADS = "/api/v1/leads"


class RedisServer:
    """A redis-server on a free port, without persistence, that the test can stop and freeze."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self.answers, timeout=30)

    def answers(self) -> bool:
        try:
            return Redis.from_url(self.url, socket_timeout=1).ping()
        except RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=30)
            self.process = None

    def freeze(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process is not None:
            os.kill(self.process.pid, signal.SIGCONT)

    def queued(self) -> int:
        """Messages waiting in Celery's default queue."""
        return Redis.from_url(self.url, socket_timeout=5).llen(app.conf.task_default_queue)


def wait_for(condition: Callable[[], object], *, timeout: float) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {condition}")


def in_a_thread(call: Callable[[], object], *, join: float = 60) -> object:
    """Run `call` in a thread and return what it returned; fail if it is still blocked after `join` s."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(call())
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=join)
    assert not thread.is_alive(), "the request is still blocked on Redis"
    return outcome[0]


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    require(shutil.which("redis-server") is not None, "redis-server is not on PATH")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.thaw()
    server.stop()


@pytest.fixture
def on_redis_server(redis_server) -> Iterator[RedisServer]:
    """This process's cache and Celery broker on `redis_server`, with the settings' Redis timeouts.

    The cache goes back before the autouse fixtures' teardown, which clears it.
    """
    cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": redis_server.url,
        "OPTIONS": settings.REDIS_TIMEOUTS,
    }
    previous = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    app.conf.update(broker_url=redis_server.url, task_always_eager=False)
    # Forget pooled broker connections, as after a fork, so the next publish connects to this server.
    app._after_fork()
    with override_settings(CACHES={"default": cache}):
        yield redis_server
    app.conf.update(previous)
    app._after_fork()


@pytest.fixture
def closing_deal(rep):
    return DealFactory(owner=rep, account=AccountFactory(name="Acme Corporation"), stage=Stage.CLOSING)


def close_on_the_board(rep, deal: Deal) -> int:
    client = Client()
    client.force_login(rep)
    response = client.post(f"/pipeline/board/deals/{deal.pk}/move/", {"event": Event.CONTRACT_SIGNED})
    return response.status_code


def send_lead(integration, n: int):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {integration.token}")
    return client.post(LEADS, data=lead_payload(n), content_type="application/json")


def test_with_redis_stopped_a_lead_is_taken_not_a_500(on_redis_server):
    integration = IntegrationFactory(name="HubSpot")
    assert send_lead(integration, 1).status_code == 201
    on_redis_server.stop()
    # The rate limiter fails open: the lead is stored rather than refused (or answered HTML 500).
    response = send_lead(integration, 2)
    assert response.status_code == 201, response.content
    assert Lead.objects.filter(integration=integration, lead_id="lead-2").exists()


def test_with_redis_stopped_the_read_apis_answer_uncounted(on_redis_server, rep, closing_deal):
    _, token = api_key_create(name="rep's key", scopes=["deals:read"], acts_for=rep, created_by=rep)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    on_redis_server.stop()
    response = client.get(f"/api/v1/deals/{closing_deal.pk}")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == closing_deal.pk


def test_with_redis_frozen_a_lead_post_returns_within_the_timeout(on_redis_server):
    integration = IntegrationFactory(name="HubSpot")
    on_redis_server.freeze()
    response = in_a_thread(lambda: send_lead(integration, 1))
    assert response.status_code == 201, response.content


def test_any_other_redis_error_in_the_api_is_a_problem_503_not_an_html_500(rf):
    # The API root's handler, for a Redis error nothing below it caught (the limiter catches its own).
    response = api.on_exception(rf.post(LEADS), RedisConnectionError("Error 111 connecting to 127.0.0.1:6390."))
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "30"
    assert json.loads(response.content)["title"] == "Service unavailable"


def drain_through_a_worker(server: RedisServer, *, until: Callable[[], object] = lambda: mail.outbox) -> None:
    """What beat does every minute, sending the drain job through the broker, with a worker to run it."""
    drain = settings.CELERY_BEAT_SCHEDULE["drain-outbox"]
    with start_worker(app, perform_ping_check=False, shutdown_timeout=30):
        app.send_task(drain["task"], ignore_result=True)
        wait_for(until, timeout=60)
        wait_for(lambda: server.queued() == 0, timeout=60)
    # Sent and forgotten: another drain finds nothing left to send.
    assert not OutboxMessage.objects.exists()
    assert app.tasks[drain["task"]].apply().get() == 0


def test_a_deal_closed_while_redis_is_down_is_announced_once_it_is_back(on_redis_server, rep, manager, closing_deal):
    on_redis_server.stop()
    assert close_on_the_board(rep, closing_deal) == 302
    assert Deal.objects.get(pk=closing_deal.pk).stage == Stage.CLOSED_WON
    (kept,) = OutboxMessage.objects.all()
    change = DealStageChange.objects.get(deal=closing_deal, to_stage=Stage.CLOSED_WON)
    assert (kept.task, kept.kwargs, kept.attempts) == (
        "pipeline.tasks.announce_deal_closed",
        {"change_id": change.pk},
        1,
    )
    assert "connecting" in kept.last_error
    assert mail.outbox == []

    on_redis_server.start()
    drain_through_a_worker(on_redis_server)
    assert [m.to for m in mail.outbox] == [[manager.email]]
    assert mail.outbox[0].subject.startswith("Won:")


def test_with_redis_frozen_a_deal_closes_and_is_announced_once_it_thaws(on_redis_server, rep, manager, closing_deal):
    on_redis_server.freeze()
    assert in_a_thread(lambda: close_on_the_board(rep, closing_deal)) == 302
    assert Deal.objects.get(pk=closing_deal.pk).stage == Stage.CLOSED_WON
    (kept,) = OutboxMessage.objects.all()
    assert "Timeout" in kept.last_error

    on_redis_server.thaw()
    drain_through_a_worker(on_redis_server)
    assert [m.to for m in mail.outbox] == [[manager.email]]


def test_with_redis_up_the_announcement_is_sent_on_commit_and_the_row_deleted(
    on_redis_server, rep, manager, closing_deal
):
    with start_worker(app, perform_ping_check=False, shutdown_timeout=30):
        assert close_on_the_board(rep, closing_deal) == 302
        assert not OutboxMessage.objects.exists()
        wait_for(lambda: mail.outbox, timeout=60)
    assert [m.to for m in mail.outbox] == [[manager.email]]


def test_a_recompute_requested_while_redis_is_down_runs_once_it_is_back(on_redis_server, admin):
    on_redis_server.stop()
    client = Client()
    client.force_login(admin)
    response = client.post(reverse("telemetry:recompute"), {"as_of": "2026-06-30"}, follow=True)
    assert response.status_code == 200
    assert "Recomputation of 2026-06-30 queued" in response.content.decode()
    (kept,) = OutboxMessage.objects.all()
    assert (kept.task, kept.kwargs) == ("telemetry.tasks.recompute", {"as_of": "2026-06-30", "trigger": "admin"})
    assert not TelemetryRun.objects.exists()

    on_redis_server.start()
    drain_through_a_worker(on_redis_server, until=lambda: TelemetryRun.objects.filter(status=RunStatus.SUCCEEDED))
    run = TelemetryRun.objects.get()
    assert (run.as_of.isoformat(), run.trigger) == ("2026-06-30", "admin")
