from celery import shared_task

from pipeline.notifications import deal_closed_email_send


@shared_task
def announce_deal_closed(change_id: int) -> int:
    """Tell the managers of the deal's team that it closed; returns how many were told."""
    return deal_closed_email_send(change_id=change_id)
