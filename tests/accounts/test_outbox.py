"""The transactional outbox, with tasks run in-process or a broker that refuses connections.

The fault tests against a real redis-server (stopped, frozen) are in tests/test_redis_faults.py.
"""

import socket
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from accounts.models import OutboxMessage
from accounts.outbox import enqueue_on_commit, outbox_drain, outbox_send
from accounts.tasks import clear_expired_sessions
from enablement_portal.celery import app

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks_in_process():
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def broker_refusing():
    """A broker address where nothing listens: every publish fails at once, as with Redis stopped."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    previous = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    app.conf.update(broker_url=f"redis://127.0.0.1:{port}/0", task_always_eager=False)
    # Forget pooled broker connections, as after a fork, so the next publish uses this address.
    app._after_fork()
    yield
    app.conf.update(previous)
    app._after_fork()


def expired_session() -> Session:
    return Session.objects.create(session_key="expired", session_data="e30", expire_date=timezone.now())


def test_the_task_runs_once_the_transaction_commits_and_its_message_is_deleted(
    django_capture_on_commit_callbacks, tasks_in_process
):
    expired_session()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        enqueue_on_commit(clear_expired_sessions)
        assert OutboxMessage.objects.get().task == "accounts.tasks.clear_expired_sessions"
        assert Session.objects.exists()
    assert len(callbacks) == 1
    assert not Session.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_a_rolled_back_transaction_leaves_no_message_and_sends_nothing(
    django_capture_on_commit_callbacks, tasks_in_process
):
    expired_session()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ZeroDivisionError),
        transaction.atomic(),
    ):
        enqueue_on_commit(clear_expired_sessions)
        1 / 0  # noqa: B018
    assert callbacks == []
    assert not OutboxMessage.objects.exists()
    assert Session.objects.exists()


def test_a_message_the_broker_refuses_is_kept_with_its_error(django_capture_on_commit_callbacks, broker_refusing):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(clear_expired_sessions)
    kept = OutboxMessage.objects.get()
    assert (kept.attempts, kept.claim, kept.claimed_until) == (1, None, None)
    assert "OperationalError" in kept.last_error
    assert outbox_drain() == 0
    assert OutboxMessage.objects.get().attempts == 2


def test_a_broker_error_stops_the_batch_and_frees_every_message(broker_refusing):
    for _ in range(3):
        OutboxMessage.objects.create(task="accounts.tasks.clear_expired_sessions")
    assert outbox_drain() == 0
    # Only the first was tried: the others would have waited for the same broker.
    attempts = list(OutboxMessage.objects.order_by("pk").values_list("attempts", "claim"))
    assert attempts == [(1, None), (0, None), (0, None)]


def test_the_drain_sends_what_was_left_and_a_failing_task_does_not_hold_up_the_others(tasks_in_process):
    expired_session()
    unknown = OutboxMessage.objects.create(task="no.such.task")
    OutboxMessage.objects.create(task="accounts.tasks.clear_expired_sessions")
    assert outbox_drain() == 1
    assert not Session.objects.exists()
    (kept,) = OutboxMessage.objects.all()
    assert (kept.pk, kept.attempts) == (unknown.pk, 1)
    assert "NotRegistered" in kept.last_error


def test_a_message_another_sender_has_claimed_is_left_to_it_until_the_claim_lapses(tasks_in_process):
    expired_session()
    message = OutboxMessage.objects.create(
        task="accounts.tasks.clear_expired_sessions", claimed_until=timezone.now() + timedelta(seconds=30)
    )
    assert outbox_send(ids=[message.pk]) == 0
    assert outbox_drain() == 0
    assert Session.objects.exists()
    # The other sender died mid-publish: once its claim lapsed, the drain takes the message over.
    OutboxMessage.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert outbox_drain() == 1
    assert not Session.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_a_message_is_sent_once_however_often_it_is_sent(tasks_in_process):
    message = OutboxMessage.objects.create(task="accounts.tasks.clear_expired_sessions")
    assert outbox_send(ids=[message.pk]) == 1
    assert outbox_send(ids=[message.pk]) == 0
    assert outbox_drain() == 0


def test_the_drain_takes_the_same_queries_for_any_number_of_messages(django_assert_num_queries, tasks_in_process):
    for _ in range(3):
        OutboxMessage.objects.create(task="enablement_portal.ping")
    # Pending ids, claim, claimed rows, delete the sent, free the unsent.
    with django_assert_num_queries(5):
        assert outbox_drain() == 3
