"""Reassigning leads (the lead page, the service) and handing over a leaving rep's deals and leads."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leads.models import Lead, LeadEvent, LeadStatus
from leads.services import lead_reassign, leads_reassign
from pipeline.models import Deal, DealActivity, Stage
from tests.leads.factories import LeadFactory
from tests.pipeline.factories import DealFactory

pytestmark = pytest.mark.django_db


def lead_of(owner, **kwargs) -> Lead:
    return LeadFactory(owner=owner, team=owner.team, **kwargs)


def test_a_manager_reassigns_a_lead_on_its_page_and_access_follows_the_owner(client, manager, rep, teammate):
    lead = lead_of(rep)
    client.force_login(manager)
    assert "Change owner" in client.get(f"/leads/{lead.pk}/").content.decode()
    response = client.post(f"/leads/{lead.pk}/reassign/", {"new_owner": teammate.pk, "reason": "Alice left"})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.owner, lead.team) == (teammate, teammate.team)
    event = LeadEvent.objects.get(lead=lead, kind=LeadEvent.Kind.REASSIGNED)
    assert event.by == manager
    assert event.note == f"{rep} → {teammate}: Alice left"
    client.force_login(rep)
    assert client.get(f"/leads/{lead.pk}/").status_code == 404
    client.force_login(teammate)
    assert client.get(f"/leads/{lead.pk}/").status_code == 200


def test_a_manager_cannot_reassign_outside_the_team(client, manager, rep, teammate, other_rep):
    theirs = lead_of(other_rep)
    client.force_login(manager)
    response = client.post(f"/leads/{theirs.pk}/reassign/", {"new_owner": teammate.pk, "reason": "Mine"})
    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        lead_reassign(lead=theirs, new_owner=teammate, reason="Mine", by=manager)
    ours = lead_of(rep)
    with pytest.raises(ValidationError):
        lead_reassign(lead=ours, new_owner=other_rep, reason="West", by=manager)
    assert Lead.objects.get(pk=ours.pk).owner == rep
    assert not LeadEvent.objects.filter(kind=LeadEvent.Kind.REASSIGNED).exists()


def test_a_rep_cannot_reassign_a_lead(client, rep, teammate):
    lead = lead_of(rep)
    client.force_login(rep)
    assert "Change owner" not in client.get(f"/leads/{lead.pk}/").content.decode()
    assert client.post(f"/leads/{lead.pk}/reassign/", {"new_owner": teammate.pk, "reason": "x"}).status_code == 404


def test_bulk_lead_reassignment_writes_one_event_per_lead(manager, rep, teammate):
    leads = [lead_of(rep) for _ in range(4)]
    assert leads_reassign(leads=Lead.objects.filter(owner=rep), new_owner=teammate, reason="Left", by=manager) == 4
    assert LeadEvent.objects.filter(lead__in=leads, kind=LeadEvent.Kind.REASSIGNED).count() == 4
    assert set(Lead.objects.filter(owner=teammate)) == set(leads)


def book(rep, deals: int, leads: int) -> tuple[list[Deal], list[Lead]]:
    return [DealFactory(owner=rep) for _ in range(deals)], [lead_of(rep) for _ in range(leads)]


def test_the_handover_hands_every_open_deal_and_lead_of_a_leaving_rep(client, manager, rep, teammate):
    deals, leads = book(rep, 3, 2)
    won = DealFactory(owner=rep, stage=Stage.CLOSED_WON)
    done = lead_of(rep, status=LeadStatus.RETURNED)
    client.force_login(manager)
    page = client.get(f"/leads/handover/?from_owner={rep.pk}").content.decode()
    assert '<output id="handover-deal-count">3</output>' in page
    assert '<output id="handover-lead-count">2</output>' in page
    response = client.post(
        "/leads/handover/",
        {"from_owner": rep.pk, "new_owner": teammate.pk, "scope": "all", "reason": "Alice left the company"},
        follow=True,
    )
    assert "3 deals and 2 leads of" in response.content.decode()
    assert set(Deal.objects.filter(owner=teammate)) == set(deals)
    assert set(Lead.objects.filter(owner=teammate)) == set(leads)
    # Closed deals and finished leads stay with who closed them.
    assert Deal.objects.get(pk=won.pk).owner == rep and Lead.objects.get(pk=done.pk).owner == rep
    assert DealActivity.objects.filter(kind="reassigned", note="Alice left the company").count() == 3
    assert LeadEvent.objects.filter(kind="reassigned", lead__in=leads).count() == 2
    client.force_login(rep)
    assert all(client.get(f"/pipeline/deals/{d.pk}/").status_code == 404 for d in deals)
    assert all(client.get(f"/leads/{x.pk}/").status_code == 404 for x in leads)
    client.force_login(teammate)
    assert all(client.get(f"/pipeline/deals/{d.pk}/").status_code == 200 for d in deals)


def test_the_handover_of_a_ticked_subset(client, manager, rep, teammate):
    deals, leads = book(rep, 3, 2)
    client.force_login(manager)
    response = client.post(
        "/leads/handover/",
        {
            "from_owner": rep.pk,
            "new_owner": teammate.pk,
            "scope": "selected",
            "deals": [deals[0].pk],
            "leads": [leads[1].pk],
            "reason": "Rebalancing",
        },
    )
    assert response.status_code == 302
    assert list(Deal.objects.filter(owner=teammate)) == [deals[0]]
    assert list(Lead.objects.filter(owner=teammate)) == [leads[1]]


def test_the_handover_refuses_what_is_wrong_and_changes_nothing(client, manager, rep, teammate, other_rep):
    book(rep, 2, 1)
    client.force_login(manager)
    cases = [
        ({"from_owner": rep.pk, "new_owner": other_rep.pk, "scope": "all", "reason": "x"}, "new_owner"),
        ({"from_owner": other_rep.pk, "new_owner": teammate.pk, "scope": "all", "reason": "x"}, "from_owner"),
        ({"from_owner": rep.pk, "new_owner": rep.pk, "scope": "all", "reason": "x"}, "new_owner"),
        ({"from_owner": rep.pk, "new_owner": teammate.pk, "scope": "all", "reason": ""}, "reason"),
        ({"from_owner": rep.pk, "new_owner": teammate.pk, "scope": "selected", "reason": "x"}, "scope"),
    ]
    for data, field in cases:
        response = client.post("/leads/handover/", data)
        assert response.status_code == 422, data
        assert field in response.context["form"].errors, (data, response.context["form"].errors)
    assert Deal.objects.filter(owner=teammate).count() == 0
    assert Lead.objects.filter(owner=teammate).count() == 0


def test_a_manager_sees_no_book_of_another_team_and_a_rep_has_no_handover(client, manager, other_rep, rep):
    book(other_rep, 2, 2)
    client.force_login(manager)
    page = client.get(f"/leads/handover/?from_owner={other_rep.pk}").content.decode()
    assert "handover-deal-count" not in page
    client.force_login(rep)
    assert client.get("/leads/handover/").status_code == 403


def test_the_team_page_links_each_member_to_the_handover(client, manager, rep):
    client.force_login(manager)
    assert f"/leads/handover/?from_owner={rep.pk}" in client.get("/team/").content.decode()


def test_the_handover_page_takes_the_same_queries_for_any_book(client, manager, rep):
    client.force_login(manager)
    book(rep, 2, 2)
    with CaptureQueriesContext(connection) as small:
        client.get(f"/leads/handover/?from_owner={rep.pk}")
    book(rep, 20, 20)
    with CaptureQueriesContext(connection) as large:
        page = client.get(f"/leads/handover/?from_owner={rep.pk}").content.decode()
    assert '<output id="handover-deal-count">22</output>' in page
    assert len(large) == len(small)
