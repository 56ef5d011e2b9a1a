from celery import shared_task
from django.core.management import call_command

from accounts.outbox import outbox_drain


@shared_task
def clear_expired_sessions() -> None:
    call_command("clearsessions")


@shared_task(name="accounts.tasks.drain_outbox")
def drain_outbox() -> int:
    """Send the tasks a broker outage left in the outbox; returns how many were sent."""
    return outbox_drain()
