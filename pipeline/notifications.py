"""The pipeline's e-mails. Services enqueue the tasks that send them, so they live apart from
`pipeline.services` (which imports the tasks): the tasks import this module, never the services."""

from django.core.mail import send_mail

from accounts.models import Role, User
from pipeline.models import DealStageChange, Stage


def deal_closed_email_send(*, change_id: int) -> int:
    """Tell the managers of the deal's team that the move `change_id` closed it; returns how many were told."""
    change = DealStageChange.objects.select_related("deal__owner", "deal__lost_reason").get(pk=change_id)
    deal = change.deal
    if deal.team_id is None:
        # No team, no team manager: `team_id=None` would match every manager who has no team.
        return 0
    managers = User.objects.filter(role=Role.MANAGER, team_id=deal.team_id, is_active=True).exclude(email="")
    recipients = [m.email for m in managers]
    if not recipients:
        return 0
    if change.to_stage == Stage.CLOSED_WON:
        subject = f"Won: {deal.name} ({deal.amount} {deal.currency})"
        body = f"{deal.owner} won {deal.name} for {deal.amount} {deal.currency}."
    else:
        subject = f"Lost: {deal.name}"
        body = f"{deal.owner} lost {deal.name} at {deal.get_lost_at_stage_display()}: {deal.lost_reason}."
    send_mail(subject, body, None, recipients)
    return len(recipients)
