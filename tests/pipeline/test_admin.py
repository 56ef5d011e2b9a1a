import pytest

from pipeline.models import Deal, DealStageChange, Event, Stage, StageSetting
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


@pytest.mark.django_db
def test_admin_cannot_set_stage_owner_or_team_by_the_form(admin, rep, teammate, client, make_deal):
    deal = make_deal(rep, stage=Stage.DISCOVERY)
    client.force_login(admin)
    response = client.post(
        f"/admin/pipeline/deal/{deal.pk}/change/",
        {
            "name": "Renamed in admin",
            "account": deal.account_id,
            "amount": "10.00",
            "currency": "USD",
            "product": "",
            "expected_close_date": "",
            "stage": Stage.CLOSED_WON,
            "owner": teammate.pk,
            "team": "",
            "checks-TOTAL_FORMS": 0,
            "checks-INITIAL_FORMS": 0,
            "stage_changes-TOTAL_FORMS": 1,
            "stage_changes-INITIAL_FORMS": 1,
        },
    )
    assert response.status_code == 302, response.content
    deal = Deal.objects.get(pk=deal.pk)
    assert (deal.name, deal.stage, deal.owner, deal.team) == ("Renamed in admin", Stage.DISCOVERY, rep, rep.team)


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
