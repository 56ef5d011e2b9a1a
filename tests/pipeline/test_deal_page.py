"""The deal page: a refused move lists the missing criteria, each tickable in place; "mark lost" confirms."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pipeline.models import CriterionCheck, Deal, Stage
from pipeline.services import deal_reassign
from tests.pipeline.factories import check_all

pytestmark = pytest.mark.django_db


def test_a_refused_move_offers_each_missing_criterion_to_tick_then_the_move(client, rep, make_deal):
    deal = make_deal(rep, stage=Stage.TECHNICAL_DEMO)
    missing = list(deal.gating_criteria())
    client.force_login(rep)
    refused = client.post(f"/pipeline/deals/{deal.pk}/move/", {"event": "PROPOSAL_REQUESTED"})
    assert refused.status_code == 409
    page = refused.content.decode()
    assert "was not moved." in page
    for criterion in missing:
        assert f'id="refused-evidence-{criterion.pk}"' in page

    first = client.post(
        f"/pipeline/deals/{deal.pk}/checks/",
        {"criterion": missing[0].pk, "evidence": "CTO attended", "refused": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert first.status_code == 200
    partial = first.content.decode()
    assert partial.lstrip().startswith("{#") or '<div id="deal-gate">' in partial
    assert "<html" not in partial
    # Still refused: the one left is offered, the confirmed one no longer.
    assert f'id="refused-evidence-{missing[1].pk}"' in partial
    assert f'id="refused-evidence-{missing[0].pk}"' not in partial

    last = client.post(
        f"/pipeline/deals/{deal.pk}/checks/",
        {"criterion": missing[1].pk, "evidence": "POC signed off", "refused": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert "Every criterion is confirmed." in last.content.decode()
    assert CriterionCheck.objects.filter(deal=deal).count() == 2
    moved = client.post(f"/pipeline/deals/{deal.pk}/move/", {"event": "PROPOSAL_REQUESTED"})
    assert moved.status_code == 302
    assert Deal.objects.get(pk=deal.pk).stage == Stage.PROPOSAL


def test_a_tick_without_evidence_is_answered_in_place_and_stores_nothing(client, rep, make_deal):
    deal = make_deal(rep, stage=Stage.TECHNICAL_DEMO)
    criterion = deal.gating_criteria().first()
    client.force_login(rep)
    response = client.post(
        f"/pipeline/deals/{deal.pk}/checks/",
        {"criterion": criterion.pk, "evidence": "", "refused": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not CriterionCheck.objects.exists()


def test_mark_lost_asks_for_confirmation_and_a_reason(client, rep, make_deal):
    deal = make_deal(rep, stage=Stage.DISCOVERY)
    client.force_login(rep)
    page = client.get(f"/pipeline/deals/{deal.pk}/").content.decode()
    assert f"Mark {deal.name} as lost?" in page
    assert 'data-opens="lost-dialog"' in page
    response = client.post(f"/pipeline/deals/{deal.pk}/move/", {"event": "DEAL_LOST"})
    assert response.status_code == 422
    assert "Choose why the deal was lost." in response.content.decode()
    assert Deal.objects.get(pk=deal.pk).stage == Stage.DISCOVERY


def test_the_deal_page_takes_the_same_queries_with_more_history(client, manager, rep, teammate, make_deal):
    deal = make_deal(rep, stage=Stage.DISCOVERY)
    client.force_login(manager)
    client.get(f"/pipeline/deals/{deal.pk}/")
    with CaptureQueriesContext(connection) as short:
        client.get(f"/pipeline/deals/{deal.pk}/")
    for n in range(10):
        deal_reassign(deal=deal, new_owner=teammate if n % 2 == 0 else rep, reason=f"Swap {n}", by=manager)
    with CaptureQueriesContext(connection) as long:
        page = client.get(f"/pipeline/deals/{deal.pk}/").content.decode()
    assert "Swap 9" in page
    assert len(long) == len(short)


def test_from_htmx_a_refused_move_answers_the_gate_in_place_and_a_move_redirects(client, rep, make_deal):
    deal = make_deal(rep, stage=Stage.TECHNICAL_DEMO)
    client.force_login(rep)
    refused = client.post(f"/pipeline/deals/{deal.pk}/move/", {"event": "PROPOSAL_REQUESTED"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 200
    assert "was not moved." in refused.content.decode() and "<html" not in refused.content.decode()
    check_all(deal)
    moved = client.post(f"/pipeline/deals/{deal.pk}/move/", {"event": "PROPOSAL_REQUESTED"}, HTTP_HX_REQUEST="true")
    assert moved["HX-Redirect"] == f"/pipeline/deals/{deal.pk}/"
    assert Deal.objects.get(pk=deal.pk).stage == Stage.PROPOSAL
