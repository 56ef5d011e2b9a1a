"""A lead sales returned and marketing sends again with changes: back in its owner's queue as
`resubmitted`, with what changed; and the returns feed marketing reads to know what to fix."""

import pytest
from django.test import Client
from django.urls import reverse

from leads.models import Lead, LeadEvent, LeadStatus
from leads.services import lead_accept, lead_return
from tests.leads.factories import IntegrationFactory, playbook_lead
from tests.leads.helpers import LEADS, assert_problem, send

pytestmark = pytest.mark.django_db

RETURNS = f"{LEADS}/returns"


@pytest.fixture
def returned(api, rep, team):
    """The playbook lead, sent, owned by `rep` and returned for bad contact data."""
    assert send(api, playbook_lead()).status_code == 201
    lead = Lead.objects.get()
    Lead.objects.filter(pk=lead.pk).update(owner=rep, team=team)
    return lead_return(lead=lead, by=rep, reason="bad_contact", note="The e-mail bounces.")


def corrected(**contact: str) -> dict:
    payload = playbook_lead()
    payload["contactInfo"] = {**payload["contactInfo"], **contact}
    return payload


def test_a_returned_lead_sent_again_with_changes_is_resubmitted_to_its_owner(api, returned, rep):
    response = send(api, corrected(email="jane@acme.example", jobTitle="CTO"))
    assert response.status_code == 200
    assert (response.json()["outcome"], response.json()["status"]) == ("updated", "resubmitted")
    lead = Lead.objects.get()
    assert (lead.status, lead.owner, lead.email, lead.job_title) == ("resubmitted", rep, "jane@acme.example", "CTO")
    # The last return's reason stays, so the rep sees what was to be fixed.
    assert lead.return_reason == "bad_contact"
    event = lead.events.last()
    assert event.kind == LeadEvent.Kind.RESUBMITTED
    assert event.changes == [
        {"field": "contactInfo.email", "old": "jane.doe@acmecorp.com", "new": "jane@acme.example"},
        {"field": "contactInfo.jobTitle", "old": "Senior Software Engineer", "new": "CTO"},
    ]


def test_the_resubmitted_lead_is_in_the_owners_inbox_and_can_be_accepted(api, client, returned, rep):
    send(api, corrected(email="jane@acme.example"))
    client.force_login(rep)
    page = client.get(reverse("leads:inbox")).content.decode()
    assert 'class="lead-status lead-status-resubmitted"' in page
    detail = client.get(returned.get_absolute_url()).content.decode()
    assert "jane.doe@acmecorp.com" in detail and "jane@acme.example" in detail  # the history says old → new
    assert lead_accept(lead=Lead.objects.get(), by=rep).status == LeadStatus.ACCEPTED


def test_a_resubmitted_lead_can_be_returned_again_and_resubmitted_again(api, returned, rep):
    send(api, corrected(email="jane@acme.example"))
    lead_return(lead=Lead.objects.get(), by=rep, reason="no_interest")
    send(api, corrected(email="jane@acme.example", lastName="Doe-Smith"))
    lead = Lead.objects.get()
    assert lead.status == LeadStatus.RESUBMITTED
    kinds = list(lead.events.values_list("kind", flat=True))
    assert kinds == ["returned", "resubmitted", "returned", "resubmitted"]


def test_a_returned_lead_sent_again_unchanged_stays_returned(api, returned):
    response = send(api, playbook_lead())
    assert (response.json()["outcome"], response.json()["status"]) == ("unchanged", "returned")
    assert Lead.objects.get().status == LeadStatus.RETURNED


def test_an_mql_sent_again_with_changes_stays_an_mql_and_records_what_changed(api):
    send(api, playbook_lead())
    send(api, playbook_lead(engagementScore=90))
    lead = Lead.objects.get()
    assert lead.status == LeadStatus.MQL
    event = lead.events.get()
    assert (event.kind, event.changes) == ("updated", [{"field": "engagementScore", "old": 85, "new": 90}])


def test_an_accepted_lead_is_not_resubmitted_by_an_update(api, rep, team):
    send(api, playbook_lead())
    Lead.objects.update(owner=rep, team=team)
    lead_accept(lead=Lead.objects.get(), by=rep)
    send(api, playbook_lead(engagementScore=90))
    assert Lead.objects.get().status == LeadStatus.ACCEPTED


# ---------------------------------------------------------------------------
# GET /api/v1/leads/returns
# ---------------------------------------------------------------------------
def test_the_returns_feed_lists_returns_with_reason_note_and_who(api, returned, rep):
    body = api.get(RETURNS).json()
    assert body["nextCursor"] is None
    [item] = body["items"]
    assert item["leadId"] == playbook_lead()["leadId"]
    assert (item["reason"], item["reasonLabel"], item["note"]) == (
        "bad_contact",
        "Contact data wrong or unreachable",
        "The e-mail bounces.",
    )
    assert item["returnedBy"] == {"name": rep.get_full_name() or rep.username, "email": rep.email}
    assert item["leadStatus"] == "returned"
    send(api, corrected(email="jane@acme.example"))
    assert api.get(RETURNS).json()["items"][0]["leadStatus"] == "resubmitted"


def test_the_returns_feed_is_paged_by_cursor_and_since(api, rep, team):
    for n in range(5):
        send(api, playbook_lead(leadId=f"lead-{n}"))
    for lead in Lead.objects.order_by("lead_id"):
        Lead.objects.filter(pk=lead.pk).update(owner=rep, team=team)
        lead_return(lead=lead, by=rep, reason="not_a_fit")
    LeadEvent.objects.filter(lead__lead_id="lead-0").update(at="2026-01-01T00:00:00Z")
    seen, cursor = [], None
    while True:
        page = api.get(RETURNS, {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [item["leadId"] for item in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == [f"lead-{n}" for n in range(5)]
    recent = api.get(RETURNS, {"since": "2026-06-01T00:00:00Z"}).json()["items"]
    assert [item["leadId"] for item in recent] == [f"lead-{n}" for n in range(1, 5)]


def test_the_returns_feed_shows_only_the_integrations_own_leads(api, client, rep, team):
    other = IntegrationFactory(name="Marketo")
    send(client, playbook_lead(), HTTP_AUTHORIZATION=f"Bearer {other.token}")
    lead = Lead.objects.get()
    Lead.objects.filter(pk=lead.pk).update(owner=rep, team=team)
    lead_return(lead=lead, by=rep, reason="duplicate")
    assert api.get(RETURNS).json()["items"] == []


def test_the_returns_feed_is_for_an_integrations_key(returned, api_token):
    client = Client()
    assert_problem(client.get(RETURNS, HTTP_AUTHORIZATION=f"Bearer {api_token}"), 403)
    assert_problem(client.get(RETURNS), 401)


def test_a_bad_cursor_is_a_422_naming_it(api):
    body = assert_problem(api.get(RETURNS, {"cursor": "abc"}), 422)
    assert body["errors"][0]["path"] == "cursor"
