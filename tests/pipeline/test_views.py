from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from pipeline.models import (
    CriterionCheck,
    Deal,
    DealStageChange,
    Event,
    LostReason,
    Stage,
    StageCriterion,
    StageSetting,
)
from tests.pipeline.factories import DEAL_VISIBILITY, AccountFactory, check_all


@pytest.fixture
def logged_in(client):
    def log_in(user):
        client.force_login(user)
        return client

    return log_in


@pytest.mark.django_db
@pytest.mark.parametrize(("viewer", "owner", "visible"), DEAL_VISIBILITY)
def test_the_deal_page_is_a_404_for_deals_the_user_may_not_see(viewer, owner, visible, request, logged_in, make_deal):
    deal = make_deal(request.getfixturevalue(owner), name="Acme renewal")
    client = logged_in(request.getfixturevalue(viewer))
    response = client.get(f"/pipeline/deals/{deal.pk}/")
    assert response.status_code == (200 if visible else 404)
    if visible:
        assert b"Acme renewal" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize(("viewer", "owner", "visible"), DEAL_VISIBILITY)
def test_the_board_move_follows_the_same_rules(viewer, owner, visible, request, logged_in, make_deal):
    deal = make_deal(request.getfixturevalue(owner), stage=Stage.PROPOSAL)
    check_all(deal)
    client = logged_in(request.getfixturevalue(viewer))
    response = client.post(f"/pipeline/board/deals/{deal.pk}/move/", {"to_stage": "Closing"}, HTTP_HX_REQUEST="true")
    assert response.status_code == (200 if visible else 404)
    assert Deal.objects.get(pk=deal.pk).stage == (Stage.CLOSING if visible else Stage.PROPOSAL)


@pytest.mark.django_db
def test_the_board_shows_a_reps_own_deals_only(rep, teammate, logged_in, make_deal):
    make_deal(rep, name="Mine")
    make_deal(teammate, name="Theirs")
    response = logged_in(rep).get("/pipeline/board/")
    assert response.status_code == 200
    assert b"My deals" in response.content
    assert b"Mine" in response.content and b"Theirs" not in response.content
    assert 'name="owner"' not in response.content.decode()


@pytest.mark.django_db
def test_a_manager_sees_the_teams_deals_not_other_teams(manager, rep, teammate, other_rep, logged_in, make_deal):
    make_deal(rep, name="Alpha deal")
    make_deal(teammate, name="Beta deal")
    make_deal(other_rep, name="Gamma deal")
    content = logged_in(manager).get("/pipeline/board/").content.decode()
    assert "Alpha deal" in content and "Beta deal" in content and "Gamma deal" not in content


@pytest.mark.django_db
def test_marketing_has_no_board(marketing, logged_in):
    assert logged_in(marketing).get("/pipeline/board/").status_code == 403


@pytest.mark.django_db
def test_the_board_columns_count_total_and_weight_and_the_period_summary(rep, logged_in, make_deal):
    make_deal(rep, stage=Stage.PROPOSAL, amount=1000)
    make_deal(rep, stage=Stage.PROPOSAL, amount=3000)
    make_deal(rep, stage=Stage.CLOSED_WON, amount=500, closed_at=timezone.now())
    make_deal(rep, stage=Stage.CLOSED_LOST, amount=700, closed_at=timezone.now())
    make_deal(rep, stage=Stage.CLOSED_WON, amount=900, closed_at=timezone.now() - timedelta(days=400))
    response = logged_in(rep).get("/pipeline/board/")
    proposal = next(c for c in response.context["board"].columns if c.stage == Stage.PROPOSAL)
    assert (proposal.count, proposal.total, proposal.weighted) == (2, 4000, 2400)
    outcome = response.context["board"].outcome
    assert (outcome.won_count, outcome.won_amount, outcome.lost_count, outcome.win_rate) == (1, 500, 1, 50)
    assert "$4,000 · weighted $2,400 (60%)" in response.content.decode()


@pytest.mark.django_db
def test_a_deal_past_its_stages_threshold_is_rotting(rep, logged_in, make_deal):
    StageSetting.objects.filter(stage=Stage.DISCOVERY).update(rotting_after_days=10)
    make_deal(rep, stage=Stage.DISCOVERY, name="Fresh", stage_entered_at=timezone.now() - timedelta(days=9))
    make_deal(rep, stage=Stage.DISCOVERY, name="Stale", stage_entered_at=timezone.now() - timedelta(days=11))
    response = logged_in(rep).get("/pipeline/board/")
    column = next(c for c in response.context["board"].columns if c.stage == Stage.DISCOVERY)
    assert {d.name: d.is_rotting for d in column.cards} == {"Fresh": False, "Stale": True}
    assert response.content.decode().count("<strong>rotting</strong>") == 1


@pytest.mark.django_db
def test_cards_show_criteria_progress(rep, logged_in, make_deal):
    deal = make_deal(rep, stage=Stage.TECHNICAL_DEMO)
    CriterionCheck.objects.create(
        deal=deal, criterion=deal.gating_criteria().first(), checked_by=rep, evidence="They came"
    )
    response = logged_in(rep).get("/pipeline/board/")
    card = next(c for c in response.context["board"].columns if c.stage == Stage.TECHNICAL_DEMO).cards[0]
    assert (card.checked, card.gate_size) == (1, 2)
    assert "criteria 1/2" in response.content.decode()


@pytest.mark.django_db
def test_the_board_filters_by_owner_product_and_close_month(manager, rep, teammate, logged_in, make_deal):
    make_deal(rep, name="Rep GTX", product="GTX Pro", expected_close_date=timezone.localdate().replace(day=15))
    mate = make_deal(teammate, name="Mate MG", product="MG Special")
    client = logged_in(manager)
    assert "Mate MG" not in client.get(f"/pipeline/board/?owner={rep.pk}").content.decode()
    assert "Rep GTX" not in client.get(f"/pipeline/board/?product={mate.product_id}").content.decode()
    month = timezone.localdate().strftime("%Y-%m")
    content = client.get(f"/pipeline/board/?close_month={month}").content.decode()
    assert "Rep GTX" in content and "Mate MG" not in content


@pytest.mark.django_db
def test_a_bad_filter_says_what_is_wrong(manager, logged_in):
    response = logged_in(manager).get("/pipeline/board/?close_month=May&owner=999999")
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"close_month", "owner"}


@pytest.mark.django_db
@pytest.mark.parametrize("count", [20, 500])
def test_the_board_query_count_does_not_grow_with_deals(count, manager, rep, logged_in, django_assert_max_num_queries):
    account = AccountFactory()
    stages = [Stage.LEAD_IN, Stage.DISCOVERY, Stage.TECHNICAL_DEMO, Stage.PROPOSAL, Stage.CLOSING, Stage.CLOSED_WON]
    now = timezone.now()
    Deal.objects.bulk_create(
        Deal(
            name=f"D{i}",
            account=account,
            owner=rep,
            team=rep.team,
            amount=100,
            stage=stages[i % len(stages)],
            closed_at=now if stages[i % len(stages)] == Stage.CLOSED_WON else None,
        )
        for i in range(count)
    )
    client = logged_in(manager)
    with django_assert_max_num_queries(8):
        response = client.get("/pipeline/board/")
    assert sum(c.count for c in response.context["board"].columns) == count - count // 6


@pytest.mark.django_db
def test_a_refused_board_move_lists_the_missing_criteria(rep, logged_in, make_deal):
    deal = make_deal(rep, stage=Stage.TECHNICAL_DEMO, name="Gated deal")
    response = logged_in(rep).post(
        f"/pipeline/board/deals/{deal.pk}/move/", {"to_stage": Stage.PROPOSAL}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Gated deal was not moved" in content
    assert "Key technical stakeholders attended." in content and "Proof of value established." in content
    assert Deal.objects.get(pk=deal.pk).stage == Stage.TECHNICAL_DEMO


@pytest.mark.django_db
def test_a_drop_two_columns_ahead_is_refused(rep, logged_in, make_deal):
    deal = make_deal(rep, stage=Stage.LEAD_IN)
    check_all(deal)
    response = logged_in(rep).post(
        f"/pipeline/board/deals/{deal.pk}/move/", {"to_stage": Stage.PROPOSAL}, HTTP_HX_REQUEST="true"
    )
    assert "one stage at a time" in response.content.decode()
    assert Deal.objects.get(pk=deal.pk).stage == Stage.LEAD_IN


@pytest.mark.django_db
def test_the_board_button_moves_without_javascript(rep, logged_in, make_deal):
    deal = make_deal(rep, stage=Stage.PROPOSAL)
    check_all(deal)
    response = logged_in(rep).post(f"/pipeline/board/deals/{deal.pk}/move/", {"event": Event.VERBAL_YES})
    assert response.status_code == 302
    assert Deal.objects.get(pk=deal.pk).stage == Stage.CLOSING


@pytest.mark.django_db
def test_checking_a_criterion_on_the_deal_page_records_who_and_why(rep, logged_in, make_deal):
    deal = make_deal(rep, stage=Stage.LEAD_IN)
    criterion = StageCriterion.objects.get(stage=Stage.DISCOVERY, kind="entry")
    client = logged_in(rep)
    response = client.post(f"/pipeline/deals/{deal.pk}/checks/", {"criterion": criterion.pk, "evidence": "SDR call"})
    assert response.status_code == 302
    check = CriterionCheck.objects.get(deal=deal)
    assert (check.checked_by, check.evidence) == (rep, "SDR call")
    assert "SDR call" in client.get(f"/pipeline/deals/{deal.pk}/").content.decode()


@pytest.mark.django_db
def test_a_check_without_evidence_is_refused_with_the_reason(rep, logged_in, make_deal):
    deal = make_deal(rep, stage=Stage.LEAD_IN)
    criterion = StageCriterion.objects.get(stage=Stage.DISCOVERY, kind="entry")
    response = logged_in(rep).post(f"/pipeline/deals/{deal.pk}/checks/", {"criterion": criterion.pk, "evidence": ""})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert not CriterionCheck.objects.exists()


@pytest.mark.django_db
def test_the_deal_page_moves_and_shows_the_timeline(rep, logged_in, make_deal):
    deal = make_deal(rep, stage=Stage.PROPOSAL)
    client = logged_in(rep)
    refused = client.post(f"/pipeline/deals/{deal.pk}/move/", {"event": Event.VERBAL_YES})
    assert refused.status_code == 409
    assert "Legal and security review passed." in refused.content.decode()
    check_all(deal)
    assert client.post(f"/pipeline/deals/{deal.pk}/move/", {"event": Event.VERBAL_YES}).status_code == 302
    content = client.get(f"/pipeline/deals/{deal.pk}/").content.decode()
    assert "Verbal yes" in content and "Proposal → Closing" in content


@pytest.mark.django_db
def test_marking_lost_needs_a_reason_then_keeps_the_stage(rep, logged_in, make_deal):
    deal = make_deal(rep, stage=Stage.DISCOVERY)
    client = logged_in(rep)
    response = client.post(f"/pipeline/deals/{deal.pk}/move/", {"event": Event.DEAL_LOST})
    assert response.status_code == 422
    assert response.context["lost_form"].errors["lost_reason"]
    assert Deal.objects.get(pk=deal.pk).stage == Stage.DISCOVERY
    reason = LostReason.objects.get(name="Timing")
    response = client.post(
        f"/pipeline/deals/{deal.pk}/move/", {"event": Event.DEAL_LOST, "lost_reason": reason.pk, "note": "Next FY"}
    )
    assert response.status_code == 302
    deal = Deal.objects.get(pk=deal.pk)
    assert (deal.stage, deal.lost_at_stage, deal.lost_reason, deal.lost_note) == (
        Stage.CLOSED_LOST,
        Stage.DISCOVERY,
        reason,
        "Next FY",
    )
    assert DealStageChange.objects.filter(deal=deal, event=Event.DEAL_LOST, by=rep).exists()


@pytest.mark.django_db
def test_the_edit_form_cannot_set_stage_owner_or_team(rep, teammate, other_team, logged_in, make_deal):
    deal = make_deal(rep, stage=Stage.DISCOVERY, name="Before")
    response = logged_in(rep).post(
        f"/pipeline/deals/{deal.pk}/edit/",
        {
            "name": "After",
            "account": deal.account_id,
            "amount": "123.00",
            "currency": "EUR",
            "product": deal.product_id,
            "stage": Stage.CLOSED_WON,
            "owner": teammate.pk,
            "team": other_team.pk,
        },
    )
    assert response.status_code == 302
    deal = Deal.objects.get(pk=deal.pk)
    assert (deal.name, deal.currency, deal.stage, deal.owner, deal.team) == (
        "After",
        "EUR",
        Stage.DISCOVERY,
        rep,
        rep.team,
    )


@pytest.mark.django_db
def test_the_edit_form_says_what_is_wrong_and_changes_nothing(rep, logged_in, make_deal):
    deal = make_deal(rep, name="Before")
    response = logged_in(rep).post(
        f"/pipeline/deals/{deal.pk}/edit/", {"name": "", "account": deal.account_id, "amount": "-5", "currency": "USD"}
    )
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"name", "amount"}
    assert Deal.objects.get(pk=deal.pk).name == "Before"


@pytest.mark.django_db
def test_another_teams_manager_cannot_edit(other_manager, rep, logged_in, make_deal):
    deal = make_deal(rep)
    assert logged_in(other_manager).get(f"/pipeline/deals/{deal.pk}/edit/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "shown"), [("rep", True), ("manager", True), ("admin", True), ("marketing", False)]
)
def test_the_deals_link_is_in_the_navigation_of_those_with_a_board(persona, shown, request, logged_in):
    # "Deals" opens the deal list; the board is one click away on it.
    content = logged_in(request.getfixturevalue(persona)).get("/").content.decode()
    assert ('href="/pipeline/deals/"' in content) == shown


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["/pipeline/board/", "deal", "edit"])
def test_pipeline_pages_keep_the_csp(page, rep, logged_in, make_deal):
    from tests.test_security import NONCE, assert_csp_with_nonce, assert_no_inline_script

    deal = make_deal(rep, stage=Stage.DISCOVERY)
    url = {"deal": f"/pipeline/deals/{deal.pk}/", "edit": f"/pipeline/deals/{deal.pk}/edit/"}.get(page, page)
    response = logged_in(rep).get(url)
    assert response.status_code == 200
    assert_csp_with_nonce(response)
    html = response.content.decode()
    assert_no_inline_script(html)
    assert " style=" not in html
    nonce = NONCE.search(response["Content-Security-Policy"]).group(1)
    if page != "edit":
        assert f'src="/static/js/pipeline.js" nonce="{nonce}"' in html


# ---------------------------------------------------------------------------
# Numbers that reconcile
# ---------------------------------------------------------------------------
def test_the_deal_page_shows_the_amount_with_its_currency(logged_in, rep, make_deal):
    deal = make_deal(rep, name="Y-corporation", amount=Decimal("214144.00"))
    page = logged_in(rep).get(deal.get_absolute_url()).content.decode()
    assert "$214,144" in page and "214144.00" not in page


def test_a_deal_entered_a_moment_ahead_of_now_is_zero_days_in_stage(logged_in, rep, make_deal):
    make_deal(rep, name="Clock skew", stage_entered_at=timezone.now() + timedelta(minutes=5))
    page = logged_in(rep).get(reverse("pipeline:board")).content.decode()
    assert "0 days in stage" in page and "-1 day" not in page


@pytest.mark.django_db
def test_each_card_links_its_own_deal_move_and_recommendations(rep, logged_in, make_deal):
    """The card's URLs are built from one reverse each per board: they must be the deals' own."""
    deals = [make_deal(rep, stage=stage) for stage in (Stage.LEAD_IN, Stage.PROPOSAL)]
    content = logged_in(rep).get("/pipeline/board/?owner=").content.decode()
    for deal in deals:
        assert f'href="{deal.get_absolute_url()}"' in content
        assert f'action="{reverse("pipeline:board_move", args=[deal.pk])}?' in content
        assert f'href="{reverse("telemetry:deal_recommendations", args=[deal.pk])}"' in content
