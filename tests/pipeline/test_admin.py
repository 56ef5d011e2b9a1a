import pytest

from pipeline.models import Deal, DealActivity, DealStageChange, Event, Stage, StageSetting
from tests.pipeline.factories import check_all


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["stagecriterion", "stagesetting", "lostreason", "quota", "deal", "account"])
def test_an_enablement_admin_edits_the_pipelines_lists_in_admin(admin, client, model):
    client.force_login(admin)
    assert client.get(f"/admin/pipeline/{model}/").status_code == 200


@pytest.mark.django_db
def test_the_rotting_threshold_is_editable_in_admin(admin, client):
    client.force_login(admin)
    setting = StageSetting.objects.get(stage=Stage.PROPOSAL)
    response = client.post(
        f"/admin/pipeline/stagesetting/{setting.pk}/change/",
        {"stage": Stage.PROPOSAL, "probability": 55, "rotting_after_days": 9},
    )
    assert response.status_code == 302
    setting.refresh_from_db()
    assert (setting.probability, setting.rotting_after_days) == (55, 9)


def _change_form(deal, **values) -> dict:
    return {
        "name": "Renamed in admin",
        "account": deal.account_id,
        "amount": "10.00",
        "currency": "USD",
        "product": "",
        "expected_close_date": "",
        "stage": Stage.CLOSED_WON,
        "team": "",
        "checks-TOTAL_FORMS": 0,
        "checks-INITIAL_FORMS": 0,
        "stage_changes-TOTAL_FORMS": 1,
        "stage_changes-INITIAL_FORMS": 1,
        **values,
    }


@pytest.mark.django_db
def test_admin_cannot_set_stage_or_team_by_the_form_nor_the_owner_without_a_reason(
    admin, rep, teammate, client, make_deal
):
    deal = make_deal(rep, stage=Stage.DISCOVERY)
    client.force_login(admin)
    response = client.post(f"/admin/pipeline/deal/{deal.pk}/change/", _change_form(deal, owner=teammate.pk))
    assert response.status_code == 200
    assert "Say why the owner changes." in response.content.decode()
    deal = Deal.objects.get(pk=deal.pk)
    assert (deal.name, deal.stage, deal.owner, deal.team) == (deal.name, Stage.DISCOVERY, rep, rep.team)
    response = client.post(f"/admin/pipeline/deal/{deal.pk}/change/", _change_form(deal, owner=rep.pk))
    assert response.status_code == 302, response.content
    deal = Deal.objects.get(pk=deal.pk)
    assert (deal.name, deal.stage, deal.owner, deal.team) == ("Renamed in admin", Stage.DISCOVERY, rep, rep.team)


@pytest.mark.django_db
def test_admin_changes_the_owner_through_the_service_with_its_history(admin, rep, other_rep, client, make_deal):
    deal = make_deal(rep, stage=Stage.DISCOVERY)
    client.force_login(admin)
    form = _change_form(deal, owner=other_rep.pk, reassign_reason="Territory moved to West")
    response = client.post(f"/admin/pipeline/deal/{deal.pk}/change/", form)
    assert response.status_code == 302, response.content
    deal = Deal.objects.get(pk=deal.pk)
    assert (deal.stage, deal.owner, deal.team) == (Stage.DISCOVERY, other_rep, other_rep.team)
    activity = DealActivity.objects.get(deal=deal)
    assert (activity.from_owner, activity.to_owner, activity.by, activity.note) == (
        rep,
        other_rep,
        admin,
        "Territory moved to West",
    )


@pytest.mark.django_db
def test_the_admin_reassign_action_asks_for_the_owner_and_a_reason(admin, rep, teammate, client, make_deal):
    deals = [make_deal(rep), make_deal(rep)]
    client.force_login(admin)
    ids = [d.pk for d in deals]
    page = client.post("/admin/pipeline/deal/", {"action": "reassign_selected", "_selected_action": ids})
    assert page.status_code == 200
    assert "New owner" in page.content.decode()
    assert Deal.objects.filter(owner=rep).count() == 2
    response = client.post(
        "/admin/pipeline/deal/",
        {
            "action": "reassign_selected",
            "_selected_action": ids,
            "apply": "1",
            "new_owner": teammate.pk,
            "reason": "Alice left",
        },
        follow=True,
    )
    assert "2 deals now belong to" in response.content.decode()
    assert Deal.objects.filter(owner=teammate).count() == 2
    assert DealActivity.objects.filter(deal__in=deals, kind="reassigned", note="Alice left").count() == 2


@pytest.mark.django_db
def test_the_admin_move_action_enforces_criteria_and_records_history(admin, rep, client, make_deal):
    gated = make_deal(rep, stage=Stage.PROPOSAL, name="Gated")
    ready = make_deal(rep, stage=Stage.PROPOSAL, name="Ready")
    check_all(ready)
    client.force_login(admin)
    response = client.post(
        "/admin/pipeline/deal/",
        {"action": "move_verbal_yes", "_selected_action": [gated.pk, ready.pk]},
        follow=True,
    )
    assert "Legal and security review passed." in response.content.decode()
    assert Deal.objects.get(pk=gated.pk).stage == Stage.PROPOSAL
    assert Deal.objects.get(pk=ready.pk).stage == Stage.CLOSING
    assert DealStageChange.objects.get(deal=ready, event=Event.VERBAL_YES).by == admin


@pytest.mark.django_db
def test_a_manager_has_no_pipeline_admin(manager, client):
    client.force_login(manager)
    assert client.get("/admin/pipeline/stagecriterion/").status_code == 302


@pytest.mark.django_db
def test_only_a_superuser_deletes_a_deal_in_admin(admin, rep, client, make_deal):
    from tests.accounts.factories import UserFactory

    deal = make_deal(rep)
    client.force_login(admin)
    assert client.get(f"/admin/pipeline/deal/{deal.pk}/change/").status_code == 200
    assert client.get(f"/admin/pipeline/deal/{deal.pk}/delete/").status_code == 403
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True, team=None))
    assert client.get(f"/admin/pipeline/deal/{deal.pk}/delete/").status_code == 200
