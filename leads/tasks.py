from celery import shared_task

from leads.idempotency import idempotency_records_purge


@shared_task
def purge_idempotency_records() -> int:
    """Forget Idempotency-Keys past their keeping time (48 h; the contract promises 24 h)."""
    return idempotency_records_purge()
