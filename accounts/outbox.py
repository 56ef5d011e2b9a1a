"""The transactional outbox: how a task that must not be lost is enqueued.

`enqueue_on_commit(task, **kwargs)` writes an `OutboxMessage` in the caller's transaction and
sends it once that transaction commits. If the broker is down or frozen then, the send fails
within the Redis timeouts of the settings, the row stays, and the caller still answers success;
the beat job `drain-outbox` sends it once the broker is back. A row is deleted once sent, and
a sender claims rows before it publishes, so the on-commit send and a drain never both send one.
"""

import logging
import uuid
from datetime import timedelta

from celery import current_app
from celery.app.task import Task
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.models import OutboxMessage

logger = logging.getLogger(__name__)

# Far longer than a publish may take under the Redis timeouts; a sender that died mid-publish
# leaves its claim behind, and the drain takes such rows over once the claim has lapsed.
CLAIM_SECONDS = 60
DRAIN_BATCH = 100


def enqueue_on_commit(task: Task, **kwargs: object) -> OutboxMessage:
    """Record `task(**kwargs)` in the current transaction and send it when the transaction commits.

    The kwargs must be JSON values (ids, ISO dates), as for any task. The task is sent without
    a result (nobody waits on it), and exactly once unless a sender dies between publishing and
    deleting the row: tasks enqueued here should tolerate the rare second run.
    """
    message = OutboxMessage.objects.create(task=task.name, kwargs=kwargs)
    transaction.on_commit(lambda: outbox_send(ids=[message.pk]))
    return message


def outbox_drain(*, limit: int = DRAIN_BATCH) -> int:
    """Send the oldest unsent messages nobody is sending now; return how many were sent."""
    pending = OutboxMessage.objects.unclaimed(timezone.now()).order_by("created_at").values_list("pk", flat=True)
    ids = list(pending[:limit])
    return outbox_send(ids=ids) if ids else 0


def outbox_send(*, ids: list[int]) -> int:
    """Claim those of `ids` nobody else is sending, publish them, delete the sent; return how many were sent.

    Stops at the first broker error (the rest would wait for the same timeout) and keeps the
    unsent rows, with the error, for the next drain. Never raises for a failed publish.
    """
    now = timezone.now()
    claim = uuid.uuid4()
    claimed = (
        OutboxMessage.objects.filter(pk__in=ids)
        .unclaimed(now)
        .update(claim=claim, claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
    )
    if not claimed:
        return 0
    sent = []
    for message in OutboxMessage.objects.filter(claim=claim).order_by("created_at"):
        try:
            current_app.tasks[message.task].apply_async(kwargs=message.kwargs, ignore_result=True)
        except OperationalError as error:
            logger.warning("Outbox message %s (%s) kept for the next drain: %s", message.pk, message.task, error)
            _keep(message, error)
            break
        except Exception as error:
            # An unknown task name, or a task that raised while running eagerly: keep it, go on.
            logger.exception("Outbox message %s (%s) kept for the next drain", message.pk, message.task)
            _keep(message, error)
        else:
            sent.append(message.pk)
    OutboxMessage.objects.filter(pk__in=sent).delete()
    # Rows after a broker error were not tried: free them for the next drain.
    OutboxMessage.objects.filter(claim=claim).update(claim=None, claimed_until=None)
    return len(sent)


def _keep(message: OutboxMessage, error: Exception) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:2000], claim=None, claimed_until=None
    )
