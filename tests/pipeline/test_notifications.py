import pytest
from django.core import mail

from accounts.models import Role
from pipeline.models import DealStageChange, Event, Stage
from pipeline.notifications import deal_closed_email_send
from pipeline.tasks import announce_deal_closed
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def closing_change(deal, to_stage: str = Stage.CLOSED_WON) -> DealStageChange:
    return DealStageChange.objects.create(
        deal=deal, from_stage=deal.stage, to_stage=to_stage, event=Event.CONTRACT_SIGNED, at=deal.stage_entered_at
    )


def test_the_closing_email_goes_to_the_active_managers_of_the_deals_team_only(
    rep, manager, other_manager, make_deal, django_assert_num_queries
):
    UserFactory(username="gone.manager", role=Role.MANAGER, team=rep.team, is_active=False)
    UserFactory(username="mute.manager", role=Role.MANAGER, team=rep.team, email="")
    change = closing_change(make_deal(rep, stage=Stage.CLOSING, name="Acme renewal"))

    # The change with its deal, owner and lost reason, then the managers.
    with django_assert_num_queries(2):
        told = deal_closed_email_send(change_id=change.pk)

    assert told == 1
    assert [m.to for m in mail.outbox] == [[manager.email]]
    assert mail.outbox[0].subject == f"Won: Acme renewal ({change.deal.amount} USD)"


def test_the_task_sends_the_closing_email_for_a_change_id(rep, manager, make_deal):
    change = closing_change(make_deal(rep, stage=Stage.CLOSING))
    assert announce_deal_closed(change.pk) == 1
    assert len(mail.outbox) == 1


def test_a_deal_without_a_team_tells_no_manager_without_a_team(rep, make_deal):
    UserFactory(username="floating.manager", role=Role.MANAGER, team=None)
    change = closing_change(make_deal(rep, stage=Stage.CLOSING, team=None))
    assert deal_closed_email_send(change_id=change.pk) == 0
    assert mail.outbox == []
