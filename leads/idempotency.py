"""Idempotency keys for the leads API: a key claims one request, and a repeat replays its answer."""

import hashlib
from datetime import datetime, timedelta

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from leads.models import IdempotencyRecord, Integration

# A claim whose request died is taken over after this long. A live request is never taken over on
# PostgreSQL, whatever its age: it holds its record's row lock (idempotency_hold) until it commits.
IDEMPOTENCY_STALE_AFTER = timedelta(seconds=5)
IDEMPOTENCY_KEEP = timedelta(hours=48)


def request_digest(*, method: str, path: str, body: bytes) -> str:
    """What an Idempotency-Key is bound to: the method, the path and the exact bytes of the body."""
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


class IdempotencyInProgress(Exception):
    pass


class IdempotencyKeyReused(Exception):
    pass


def idempotency_claim(*, integration: Integration, key: str, request_digest: str) -> tuple[IdempotencyRecord, bool]:
    """Claim `key` for this request: (record, True) to go ahead, (record, False) to replay its answer.

    The claim is committed at once, so a parallel request with the key sees it and is refused.
    Raises IdempotencyInProgress while another request holds the key, IdempotencyKeyReused
    when the key was used for a different request.
    """
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(integration=integration, key=key, request_digest=request_digest)
            return record, True
    except IntegrityError:
        pass
    record = IdempotencyRecord.objects.get(integration=integration, key=key)
    if record.request_digest != request_digest:
        raise IdempotencyKeyReused("This Idempotency-Key was used with a different request.")
    if record.status is not None:
        return record, False
    now = timezone.now()
    if record.created_at < now - IDEMPOTENCY_STALE_AFTER and _idempotency_take_over(record=record, now=now):
        return record, True
    raise IdempotencyInProgress("A request with this Idempotency-Key is still being processed.")


def _idempotency_take_over(*, record: IdempotencyRecord, now: datetime) -> bool:
    """Take over a stale claim unless its request still holds it: a dead request's connection,
    and with it the row lock, is gone. (SQLite has no row locks; the age alone decides there.)"""
    try:
        with transaction.atomic():
            claim = IdempotencyRecord.objects.filter(pk=record.pk, status=None, created_at=record.created_at)
            if not list(claim.select_for_update(nowait=True).values_list("pk")):
                return False
            claim.update(created_at=now)
    except OperationalError:
        # The row is locked by the request that holds the key (or SQLite is busy writing).
        return False
    record.created_at = now
    return True


def idempotency_hold(*, record: IdempotencyRecord) -> None:
    """Lock the claimed record for the answering transaction, so no other request takes it over
    while this one runs. Call first inside that transaction."""
    list(IdempotencyRecord.objects.select_for_update().filter(pk=record.pk).values_list("pk"))


def idempotency_complete(*, record: IdempotencyRecord, status: int, body: str, content_type: str) -> None:
    record.status, record.response_body, record.content_type = status, body, content_type
    record.save(update_fields=["status", "response_body", "content_type"])


def idempotency_release(*, record: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk, status=None).delete()


def idempotency_records_purge(*, now: datetime | None = None) -> int:
    """Forget keys older than IDEMPOTENCY_KEEP (the contract promises at least 24 hours)."""
    cutoff = (now or timezone.now()) - IDEMPOTENCY_KEEP
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
