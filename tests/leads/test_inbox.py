"""The lead inbox: search, filters (status, integration, owner, age), keyset pages with every lead
reachable, the manager's team view, and query counts that do not grow with the leads."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from leads.models import Lead, LeadStatus
from leads.selectors import INBOX_PAGE
from tests.leads.factories import IntegrationFactory, LeadFactory

pytestmark = pytest.mark.django_db

INBOX = reverse("leads:inbox")
ROW_LINK = re.compile(r'<th scope="row"><a href="/leads/(\d+)/">')
NEXT = re.compile(r'<tr class="load-more"><td colspan="6"><a href="\?([^"]+)"')


def shown(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [int(pk) for pk in ROW_LINK.findall(response.content.decode())]


def count(response) -> int:
    return int(re.search(r'<output id="lead-count">(\d+)</output>', response.content.decode()).group(1))


def walk(client, query: str = "", htmx: bool = False) -> list[int]:
    """Every lead the inbox shows, following "show the next leads" to the end."""
    seen: list[int] = []
    url = f"{INBOX}?{query}"
    headers = {}
    while True:
        response = client.get(url, **headers)
        seen += shown(response)
        match = NEXT.search(response.content.decode())
        if match is None:
            return seen
        url = f"{INBOX}?{match.group(1).replace('&amp;', '&')}"
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}


def test_search_finds_by_name_email_and_company(client, rep, team):
    jane = LeadFactory(owner=rep, team=team, first_name="Jane", last_name="Doe", email="jd@acme.example")
    omar = LeadFactory(owner=rep, team=team, first_name="Omar", last_name="Haddad", email="omar@globex.example")
    LeadFactory(
        owner=rep, team=team, first_name="Li", last_name="Wei", email="li@initech.example", company_name="Initech"
    )
    client.force_login(rep)
    assert shown(client.get(INBOX, {"q": "initech"})) == [jane.pk + 2]
    assert shown(client.get(INBOX, {"q": "jd@acme"})) == [jane.pk]
    assert shown(client.get(INBOX, {"q": "globex.example"})) == [omar.pk]
    assert shown(client.get(INBOX, {"q": "jane doe"})) == [jane.pk]
    assert shown(client.get(INBOX, {"q": "nobody"})) == []


def test_status_filter_defaults_to_the_open_leads(client, rep, team):
    open_ = [LeadFactory(owner=rep, team=team, status=s) for s in ("mql", "accepted", "resubmitted")]
    returned = LeadFactory(owner=rep, team=team, status=LeadStatus.RETURNED)
    converted = LeadFactory(owner=rep, team=team, status=LeadStatus.CONVERTED)
    client.force_login(rep)
    assert sorted(shown(client.get(INBOX))) == sorted(lead.pk for lead in open_)
    assert shown(client.get(INBOX, {"status": "returned"})) == [returned.pk]
    both = client.get(INBOX, {"status": ["returned", "converted"]})
    assert sorted(shown(both)) == sorted([returned.pk, converted.pk])


def test_integration_filter(client, rep, team):
    marketo = IntegrationFactory(name="Marketo")
    theirs = LeadFactory(owner=rep, team=team, integration=marketo)
    LeadFactory(owner=rep, team=team)
    client.force_login(rep)
    assert shown(client.get(INBOX, {"integration": marketo.pk})) == [theirs.pk]


def test_age_filter(client, rep, team):
    now = timezone.now()
    ages = {
        days: LeadFactory(owner=rep, team=team, received_at=now - timedelta(days=days, hours=1))
        for days in (0, 3, 10, 40)
    }
    client.force_login(rep)
    for age, days in [("day", 0), ("week", 3), ("month", 10), ("older", 40)]:
        assert shown(client.get(INBOX, {"age": age})) == [ages[days].pk], age


def test_a_rep_sees_their_own_and_the_queue_and_may_filter_to_either(client, rep, team, other_rep, other_team):
    mine = LeadFactory(owner=rep, team=team)
    queued = LeadFactory(owner=None, team=None)
    LeadFactory(owner=other_rep, team=other_team)
    client.force_login(rep)
    assert sorted(shown(client.get(INBOX))) == sorted([mine.pk, queued.pk])
    assert shown(client.get(INBOX, {"owner": rep.pk})) == [mine.pk]
    assert shown(client.get(INBOX, {"owner": "none"})) == [queued.pk]


def test_a_rep_cannot_filter_by_another_reps_leads(client, rep, teammate, team):
    LeadFactory(owner=teammate, team=team)
    client.force_login(rep)
    response = client.get(INBOX, {"owner": teammate.pk})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not ROW_LINK.search(response.content.decode())


def test_the_managers_team_view_filters_by_each_rep(client, manager, rep, teammate, team, other_rep, other_team):
    alice = LeadFactory(owner=rep, team=team)
    bob = LeadFactory(owner=teammate, team=team)
    LeadFactory(owner=other_rep, team=other_team)
    client.force_login(manager)
    assert sorted(shown(client.get(INBOX))) == sorted([alice.pk, bob.pk])
    assert shown(client.get(INBOX, {"owner": teammate.pk})) == [bob.pk]
    assert client.get(INBOX, {"owner": other_rep.pk}).status_code == 400


def test_every_lead_is_reachable_page_by_page_once(client, rep, team, integration):
    now = timezone.now()
    # Ties on the arrival time too: the keyset orders by (received_at, id).
    leads = Lead.objects.bulk_create(
        LeadFactory.build(
            integration=integration,
            owner=rep,
            team=team,
            lead_id=f"page-{n}",
            received_at=now - timedelta(minutes=n // 3),
        )
        for n in range(3 * INBOX_PAGE + 7)
    )
    client.force_login(rep)
    assert count(client.get(INBOX)) == len(leads)
    for htmx in (False, True):
        seen = walk(client, htmx=htmx)
        assert len(seen) == len(set(seen)) == len(leads)
        assert set(seen) == {lead.pk for lead in leads}


def test_filters_stay_on_the_next_pages(client, rep, team):
    marketo = IntegrationFactory(name="Marketo")
    Lead.objects.bulk_create(
        LeadFactory.build(owner=rep, team=team, lead_id=f"m-{n}", integration=marketo, company_name="Acme Corp")
        for n in range(INBOX_PAGE + 5)
    )
    LeadFactory(owner=rep, team=team, company_name="Acme Corp")
    client.force_login(rep)
    seen = walk(client, f"q=corp&integration={marketo.pk}")
    assert len(set(seen)) == INBOX_PAGE + 5


def test_a_broken_cursor_is_refused_without_a_list(client, rep, team):
    LeadFactory(owner=rep, team=team)
    client.force_login(rep)
    response = client.get(INBOX, {"after": "yesterday"})
    assert response.status_code == 400
    assert "The page link is broken" in response.content.decode()


def test_the_htmx_next_page_is_rows_only(client, rep, team, integration):
    Lead.objects.bulk_create(
        LeadFactory.build(integration=integration, owner=rep, team=team, lead_id=f"h-{n}")
        for n in range(INBOX_PAGE + 1)
    )
    client.force_login(rep)
    first = client.get(INBOX).content.decode()
    query = NEXT.search(first).group(1).replace("&amp;", "&")
    rows = client.get(f"{INBOX}?{query}", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in rows and len(ROW_LINK.findall(rows)) == 1


def test_resubmitted_leads_stand_out(client, rep, team):
    LeadFactory(owner=rep, team=team, status=LeadStatus.RESUBMITTED, first_name="Rita")
    client.force_login(rep)
    page = client.get(INBOX).content.decode()
    assert '<tr class="lead-resubmitted">' in page
    assert '<span class="lead-status lead-status-resubmitted">Resubmitted by marketing</span>' in page


@pytest.mark.parametrize("persona", ["rep", "manager", "admin"])
def test_the_query_count_is_the_same_for_5_and_120_leads(request, client, persona, rep, team, integration):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    def queries(n: int) -> int:
        Lead.objects.all().delete()
        Lead.objects.bulk_create(
            LeadFactory.build(integration=integration, owner=rep, team=team, lead_id=f"q-{n}-{i}") for i in range(n)
        )
        LeadFactory(owner=None, team=None)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(INBOX, {"q": "acme", "status": ["mql", "accepted"]}).status_code == 200
        return len(captured)

    small = queries(5)
    assert queries(120) == small <= 8
