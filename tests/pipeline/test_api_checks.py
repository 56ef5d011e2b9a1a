"""`POST /api/v1/deals/{id}/checks` and `DELETE /api/v1/deals/{id}/checks/{criterion}`: a CRM passes gates."""

import json

import pytest

from accounts.models import ApiKey
from accounts.services import api_key_create
from pipeline.models import CriterionCheck, Deal, DealActivity, Stage
from tests.pipeline.factories import DEAL_VISIBILITY, check_all

PROBLEM = "application/problem+json"
pytestmark = pytest.mark.django_db


def api_key_count() -> int:
    return ApiKey.objects.count()


@pytest.fixture
def api(client):
    def as_person(user, scopes=("deals:read", "deals:write")):
        name = f"CRM of {user.username} {len(scopes)} {api_key_count()}"
        _, token = api_key_create(name=name, scopes=list(scopes), acts_for=user, created_by=user)
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

        class Caller:
            def post(self, path, body):
                return client.post(f"/api/v1{path}", json.dumps(body), content_type="application/json", **headers)

            def delete(self, path):
                return client.delete(f"/api/v1{path}", **headers)

        return Caller()

    return as_person


def test_a_crm_confirms_each_criterion_and_then_moves_the_deal(rep, api, make_deal):
    deal = make_deal(rep, stage=Stage.TECHNICAL_DEMO)
    gating = list(deal.gating_criteria())
    caller = api(rep)
    first = caller.post(f"/deals/{deal.pk}/checks", {"criterion": gating[0].pk, "evidence": "CTO on the call"})
    assert first.status_code == 201
    body = first.json()
    assert (body["criterion"], body["checked_by"], body["evidence"]) == (gating[0].pk, rep.username, "CTO on the call")
    assert body["missing_criteria"] == [c.pk for c in gating[1:]]
    for criterion in gating[1:]:
        response = caller.post(f"/deals/{deal.pk}/checks", {"criterion": criterion.pk, "evidence": "POC signed"})
        assert response.status_code == 201
    assert CriterionCheck.objects.filter(deal=deal).count() == len(gating)
    moved = caller.post(f"/deals/{deal.pk}/transitions", {"event": "PROPOSAL_REQUESTED"})
    assert moved.status_code == 200
    assert Deal.objects.get(pk=deal.pk).stage == Stage.PROPOSAL


def test_unchecking_needs_a_reason_and_keeps_it_and_the_move_is_then_a_409(rep, api, make_deal):
    deal = make_deal(rep, stage=Stage.TECHNICAL_DEMO)
    check_all(deal)
    criterion = deal.gating_criteria().first()
    caller = api(rep)
    refused = caller.delete(f"/deals/{deal.pk}/checks/{criterion.pk}")
    assert refused.status_code == 422
    assert refused["Content-Type"] == PROBLEM
    assert [e["path"] for e in refused.json()["errors"]] == ["reason"]
    assert CriterionCheck.objects.filter(deal=deal, criterion=criterion).exists()

    response = caller.delete(f"/deals/{deal.pk}/checks/{criterion.pk}?reason=The%20POC%20failed")
    assert response.status_code == 200
    assert response.json()["missing_criteria"] == [criterion.pk]
    assert not CriterionCheck.objects.filter(deal=deal, criterion=criterion).exists()
    activity = DealActivity.objects.get(deal=deal)
    assert (activity.kind, activity.criterion, activity.by, activity.note) == (
        "unchecked",
        criterion,
        rep,
        "The POC failed",
    )

    move = caller.post(f"/deals/{deal.pk}/transitions", {"event": "PROPOSAL_REQUESTED"})
    assert move.status_code == 409
    assert [c["id"] for c in move.json()["missing_criteria"]] == [criterion.pk]
    assert Deal.objects.get(pk=deal.pk).stage == Stage.TECHNICAL_DEMO


def test_unchecking_a_criterion_that_is_not_confirmed_is_a_404(rep, api, make_deal):
    deal = make_deal(rep, stage=Stage.TECHNICAL_DEMO)
    criterion = deal.gating_criteria().first()
    response = api(rep).delete(f"/deals/{deal.pk}/checks/{criterion.pk}?reason=Oops")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


def test_a_criterion_that_does_not_gate_the_next_move_is_a_422_on_its_path(rep, api, make_deal):
    deal = make_deal(rep, stage=Stage.LEAD_IN)
    later = Deal(stage=Stage.PROPOSAL).gating_criteria().first()
    response = api(rep).post(f"/deals/{deal.pk}/checks", {"criterion": later.pk, "evidence": "Seen"})
    assert response.status_code == 422
    assert [e["path"] for e in response.json()["errors"]] == ["criterion"]
    missing = api(rep).post(f"/deals/{deal.pk}/checks", {"criterion": 2**40, "evidence": "Seen"})
    assert [e["path"] for e in missing.json()["errors"]] == ["criterion"]
    empty = api(rep).post(f"/deals/{deal.pk}/checks", {"criterion": later.pk, "evidence": ""})
    assert [e["path"] for e in empty.json()["errors"]] == ["evidence"]
    assert not CriterionCheck.objects.exists()


def test_confirming_twice_is_a_422(rep, api, make_deal):
    deal = make_deal(rep, stage=Stage.LEAD_IN)
    criterion = deal.gating_criteria().first()
    assert api(rep).post(f"/deals/{deal.pk}/checks", {"criterion": criterion.pk, "evidence": "Seen"}).status_code == 201
    again = api(rep).post(f"/deals/{deal.pk}/checks", {"criterion": criterion.pk, "evidence": "Seen"})
    assert again.status_code == 422
    assert CriterionCheck.objects.filter(deal=deal).count() == 1


@pytest.mark.parametrize(("caller", "owner", "visible"), DEAL_VISIBILITY)
def test_another_teams_deal_is_a_404_for_checks_and_unchecks(caller, owner, visible, request, api, make_deal):
    deal = make_deal(request.getfixturevalue(owner), stage=Stage.LEAD_IN)
    criterion = deal.gating_criteria().first()
    person = api(request.getfixturevalue(caller))
    checked = person.post(f"/deals/{deal.pk}/checks", {"criterion": criterion.pk, "evidence": "Seen"})
    if visible:
        assert checked.status_code == 201
        assert person.delete(f"/deals/{deal.pk}/checks/{criterion.pk}?reason=Wrong").status_code == 200
    else:
        assert checked.status_code == 404
        assert checked["Content-Type"] == PROBLEM
        check_all(deal)
        assert person.delete(f"/deals/{deal.pk}/checks/{criterion.pk}?reason=Wrong").status_code == 404
        assert CriterionCheck.objects.filter(deal=deal, criterion=criterion).exists()


def test_checks_need_the_deals_write_scope(rep, api, make_deal):
    deal = make_deal(rep, stage=Stage.LEAD_IN)
    criterion = deal.gating_criteria().first()
    reader = api(rep, scopes=("deals:read",))
    assert reader.post(f"/deals/{deal.pk}/checks", {"criterion": criterion.pk, "evidence": "Seen"}).status_code == 403
    check_all(deal)
    assert reader.delete(f"/deals/{deal.pk}/checks/{criterion.pk}?reason=x").status_code == 403
