"""Moving a deal back one stage and reopening a lost one: transitions with a reason, rules and history."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pipeline.models import Deal, DealStageChange, Event, Stage
from pipeline.services import TransitionRefused, deal_transition
from tests.pipeline.factories import lost_reason

pytestmark = pytest.mark.django_db


def test_a_deal_moves_back_one_stage_with_a_reason_in_its_history(client, rep, make_deal):
    deal = make_deal(rep, stage=Stage.PROPOSAL)
    client.force_login(rep)
    response = client.post(f"/pipeline/deals/{deal.pk}/move/", {"event": "MOVED_BACK", "note": "Dragged by mistake"})
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.stage == Stage.TECHNICAL_DEMO
    change = DealStageChange.objects.get(deal=deal, event=Event.MOVED_BACK)
    assert (change.from_stage, change.to_stage, change.by, change.note) == (
        Stage.PROPOSAL,
        Stage.TECHNICAL_DEMO,
        rep,
        "Dragged by mistake",
    )
    assert "Dragged by mistake" in client.get(f"/pipeline/deals/{deal.pk}/").content.decode()


def test_moving_back_needs_a_reason_and_stores_nothing_without(client, rep, make_deal):
    deal = make_deal(rep, stage=Stage.PROPOSAL)
    client.force_login(rep)
    response = client.post(f"/pipeline/deals/{deal.pk}/move/", {"event": "MOVED_BACK", "note": "  "})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="back-dialog"' in page and "data-open-on-load" in page
    assert Deal.objects.get(pk=deal.pk).stage == Stage.PROPOSAL
    with pytest.raises(ValidationError):
        deal_transition(deal=deal, event=Event.MOVED_BACK, by=rep, note="")
    assert not DealStageChange.objects.filter(event=Event.MOVED_BACK).exists()


def test_lead_in_and_closed_deals_do_not_move_back(rep, make_deal):
    for stage in (Stage.LEAD_IN, Stage.CLOSED_WON):
        with pytest.raises(TransitionRefused):
            deal_transition(deal=make_deal(rep, stage=stage), event=Event.MOVED_BACK, by=rep, note="Oops")


def test_a_lost_deal_reopens_at_the_stage_it_was_lost_at(client, rep, make_deal):
    deal = make_deal(rep, stage=Stage.PROPOSAL)
    deal_transition(deal=deal, event=Event.DEAL_LOST, by=rep, lost_reason=lost_reason())
    client.force_login(rep)
    assert "Reopen the deal" in client.get(f"/pipeline/deals/{deal.pk}/").content.decode()
    response = client.post(f"/pipeline/deals/{deal.pk}/move/", {"event": "REOPENED", "note": "Budget came back"})
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.stage, deal.closed_at, deal.lost_reason, deal.lost_at_stage) == (Stage.PROPOSAL, None, None, "")
    change = DealStageChange.objects.get(deal=deal, event=Event.REOPENED)
    assert (change.from_stage, change.to_stage, change.note) == (Stage.CLOSED_LOST, Stage.PROPOSAL, "Budget came back")


def test_reopening_needs_a_reason(client, rep, make_deal):
    deal = make_deal(rep, stage=Stage.DISCOVERY)
    deal_transition(deal=deal, event=Event.DEAL_LOST, by=rep, lost_reason=lost_reason())
    client.force_login(rep)
    response = client.post(f"/pipeline/deals/{deal.pk}/move/", {"event": "REOPENED", "note": ""})
    assert response.status_code == 422
    assert Deal.objects.get(pk=deal.pk).stage == Stage.CLOSED_LOST


def test_a_won_deal_does_not_reopen(rep, make_deal):
    deal = make_deal(rep, stage=Stage.CLOSED_WON)
    with pytest.raises(TransitionRefused):
        deal_transition(deal=deal, event=Event.REOPENED, by=rep, note="Changed their mind")


@pytest.mark.parametrize("event", ["MOVED_BACK", "REOPENED"])
def test_only_who_may_move_the_deal_moves_it_back_or_reopens_it(event, client, rep, teammate, other_manager, make_deal):
    deal = make_deal(rep, stage=Stage.PROPOSAL)
    if event == "REOPENED":
        deal_transition(deal=deal, event=Event.DEAL_LOST, by=rep, lost_reason=lost_reason())
    stage = Deal.objects.get(pk=deal.pk).stage
    for outsider in (teammate, other_manager):
        client.force_login(outsider)
        assert client.post(f"/pipeline/deals/{deal.pk}/move/", {"event": event, "note": "Why not"}).status_code == 404
        with pytest.raises(PermissionDenied):
            deal_transition(deal=Deal.objects.get(pk=deal.pk), event=event, by=outsider, note="Why not")
    assert Deal.objects.get(pk=deal.pk).stage == stage


def test_the_manager_of_the_team_may_move_a_deal_back(manager, rep, make_deal):
    deal = make_deal(rep, stage=Stage.CLOSING)
    deal_transition(deal=deal, event=Event.MOVED_BACK, by=manager, note="Contract not ready")
    assert Deal.objects.get(pk=deal.pk).stage == Stage.PROPOSAL
