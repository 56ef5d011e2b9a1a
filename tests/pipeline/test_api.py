import json

import pytest

from accounts.services import api_key_create
from pipeline.models import Deal, DealStageChange, Event, LostReason, Stage
from tests.pipeline.factories import DEAL_VISIBILITY, check_all

PROBLEM = "application/problem+json"


@pytest.fixture
def api(client):
    def as_person(user):
        _, token = api_key_create(
            name=f"key of {user.username}", scopes=["deals:read", "deals:write"], acts_for=user, created_by=user
        )
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

        class Caller:
            def get(self, path):
                return client.get(f"/api/v1{path}", **headers)

            def post(self, path, body):
                return client.post(f"/api/v1{path}", json.dumps(body), content_type="application/json", **headers)

        return Caller()

    return as_person


@pytest.mark.django_db
@pytest.mark.parametrize(("caller", "owner", "visible"), DEAL_VISIBILITY)
def test_get_a_deal_is_a_404_for_deals_the_caller_may_not_see(caller, owner, visible, request, api, make_deal):
    deal = make_deal(request.getfixturevalue(owner))
    response = api(request.getfixturevalue(caller)).get(f"/deals/{deal.pk}")
    assert response.status_code == (200 if visible else 404)
    if not visible:
        assert response["Content-Type"] == PROBLEM


@pytest.mark.django_db
@pytest.mark.parametrize(("caller", "owner", "visible"), DEAL_VISIBILITY)
def test_a_transition_follows_the_same_rules(caller, owner, visible, request, api, make_deal):
    deal = make_deal(request.getfixturevalue(owner), stage=Stage.PROPOSAL)
    check_all(deal)
    response = api(request.getfixturevalue(caller)).post(f"/deals/{deal.pk}/transitions", {"event": "VERBAL_YES"})
    assert response.status_code == (200 if visible else 404)
    assert Deal.objects.get(pk=deal.pk).stage == (Stage.CLOSING if visible else Stage.PROPOSAL)


@pytest.mark.django_db
def test_a_transition_answers_the_new_stage(rep, api, make_deal):
    deal = make_deal(rep, stage=Stage.DISCOVERY)
    check_all(deal)
    response = api(rep).post(f"/deals/{deal.pk}/transitions", {"event": "DEMO_SCHEDULED"})
    assert response.status_code == 200
    body = response.json()
    assert (body["stage"], body["from_stage"], body["event"]) == ("TechnicalDemo", "Discovery", "DEMO_SCHEDULED")
    assert DealStageChange.objects.filter(deal=deal, event=Event.DEMO_SCHEDULED, by=rep).count() == 1


@pytest.mark.django_db
def test_unmet_criteria_are_a_409_listing_them(rep, api, make_deal):
    deal = make_deal(rep, stage=Stage.TECHNICAL_DEMO)
    response = api(rep).post(f"/deals/{deal.pk}/transitions", {"event": "PROPOSAL_REQUESTED"})
    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert [c["text"] for c in body["missing_criteria"]] == [
        "Key technical stakeholders attended.",
        "Proof of value established.",
    ]
    assert all(e["path"] == "event" for e in body["errors"])
    assert Deal.objects.get(pk=deal.pk).stage == Stage.TECHNICAL_DEMO


@pytest.mark.django_db
def test_an_event_the_stage_does_not_allow_is_a_409(rep, api, make_deal):
    deal = make_deal(rep, stage=Stage.LEAD_IN)
    response = api(rep).post(f"/deals/{deal.pk}/transitions", {"event": "CONTRACT_SIGNED"})
    assert response.status_code == 409
    assert response.json()["stage"] == "LeadIn"


@pytest.mark.django_db
def test_an_unknown_event_is_a_422_naming_the_field(rep, api, make_deal):
    deal = make_deal(rep)
    response = api(rep).post(f"/deals/{deal.pk}/transitions", {"event": "TELEPORT"})
    assert response.status_code == 422
    assert [e["path"] for e in response.json()["errors"]] == ["event"]


@pytest.mark.django_db
def test_losing_needs_an_active_reason(rep, api, make_deal):
    deal = make_deal(rep, stage=Stage.CLOSING)
    caller = api(rep)
    response = caller.post(f"/deals/{deal.pk}/transitions", {"event": "DEAL_LOST"})
    assert response.status_code == 422
    assert [e["path"] for e in response.json()["errors"]] == ["lost_reason_id"]
    retired = LostReason.objects.create(name="Old", active=False)
    response = caller.post(f"/deals/{deal.pk}/transitions", {"event": "DEAL_LOST", "lost_reason_id": retired.pk})
    assert response.status_code == 422
    assert Deal.objects.get(pk=deal.pk).stage == Stage.CLOSING
    price = LostReason.objects.get(name="Price")
    response = caller.post(f"/deals/{deal.pk}/transitions", {"event": "DEAL_LOST", "lost_reason_id": price.pk})
    assert response.status_code == 200
    deal = Deal.objects.get(pk=deal.pk)
    assert (deal.stage, deal.lost_at_stage, deal.lost_reason) == (Stage.CLOSED_LOST, Stage.CLOSING, price)


@pytest.mark.django_db
def test_the_list_pages_by_keyset_and_filters(manager, rep, teammate, other_rep, api, make_deal):
    mine = [make_deal(rep, stage=Stage.DISCOVERY) for _ in range(5)]
    make_deal(teammate, stage=Stage.PROPOSAL)
    make_deal(other_rep)
    caller = api(manager)
    first = caller.get("/deals?limit=4").json()
    assert len(first["items"]) == 4 and first["next_cursor"]
    second = caller.get(f"/deals?limit=4&cursor={first['next_cursor']}").json()
    assert len(second["items"]) == 2 and second["next_cursor"] is None
    ids = [d["id"] for d in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 6
    by_stage = caller.get("/deals?stage=Discovery").json()["items"]
    assert {d["id"] for d in by_stage} == {d.pk for d in mine}
    assert caller.get(f"/deals?owner={teammate.username}").json()["items"][0]["stage"] == "Proposal"


@pytest.mark.django_db
def test_bad_list_parameters_are_a_422_naming_each(rep, api):
    caller = api(rep)
    response = caller.get("/deals?limit=0&close_month=2024-13&stage=Nowhere")
    assert response.status_code == 422
    assert {e["path"] for e in response.json()["errors"]} == {"limit", "close_month", "stage"}
    response = caller.get("/deals?cursor=garbage")
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "cursor"


@pytest.mark.django_db
def test_the_list_uses_a_fixed_number_of_queries(manager, rep, api, make_deal, django_assert_max_num_queries):
    for _ in range(30):
        make_deal(rep)
    caller = api(manager)
    with django_assert_max_num_queries(4):
        assert len(caller.get("/deals?limit=25").json()["items"]) == 25


@pytest.mark.django_db
def test_the_detail_shows_criteria_and_history(rep, api, make_deal):
    deal = make_deal(rep, stage=Stage.TECHNICAL_DEMO)
    check_all(deal)
    body = api(rep).get(f"/deals/{deal.pk}").json()
    assert [c["checked"] for c in body["next_move_criteria"]] == [True, True]
    assert body["history"][0]["to_stage"] == "TechnicalDemo"


@pytest.mark.django_db
def test_a_key_without_the_deals_scope_is_refused(api_token, client):
    response = client.get("/api/v1/deals", HTTP_AUTHORIZATION=f"Bearer {api_token}")
    assert response.status_code == 403
    assert "deals:read" in response.json()["detail"]


@pytest.mark.django_db
def test_a_session_user_reads_and_needs_csrf_to_move(rep, make_deal):
    from django.test import Client

    deal = make_deal(rep, stage=Stage.PROPOSAL)
    check_all(deal)
    client = Client(enforce_csrf_checks=True)
    client.force_login(rep)
    assert client.get(f"/api/v1/deals/{deal.pk}").status_code == 200
    response = client.post(
        f"/api/v1/deals/{deal.pk}/transitions", {"event": "VERBAL_YES"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert Deal.objects.get(pk=deal.pk).stage == Stage.PROPOSAL


@pytest.mark.django_db
def test_anonymous_callers_get_a_401(client):
    assert client.get("/api/v1/deals").status_code == 401


@pytest.mark.django_db
def test_a_move_with_a_nul_in_its_note_is_400_and_moves_nothing(rep, api, make_deal):
    # PostgreSQL cannot store a NUL: this was a 500 there.
    deal = make_deal(rep, stage=Stage.DISCOVERY)
    response = api(rep).post(f"/deals/{deal.pk}/transitions", {"event": "DEAL_LOST", "note": "a\x00b"})
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM
    assert Deal.objects.get(pk=deal.pk).stage == Stage.DISCOVERY


@pytest.mark.django_db
def test_a_transition_makes_a_fixed_small_number_of_queries(rep, api, make_deal, django_assert_max_num_queries):
    """Key, person, deal, their permissions, the gate once for the refusal and once for django-fsm's
    condition, the guarded update and the history row (the FKs no move changes are not re-checked)."""
    caller = api(rep)
    deals = [make_deal(rep, stage=Stage.PROPOSAL) for _ in range(2)]
    for deal in deals:
        check_all(deal)
    assert caller.post(f"/deals/{deals[0].pk}/transitions", {"event": "VERBAL_YES"}).status_code == 200
    with django_assert_max_num_queries(11):
        assert caller.post(f"/deals/{deals[1].pk}/transitions", {"event": "VERBAL_YES"}).status_code == 200
