import pytest

from accounts.models import Role
from leads.models import Lead, LeadRejection
from leads.services import lead_convert
from tests.accounts.factories import UserFactory
from tests.leads.factories import lead_payload, playbook_lead
from tests.leads.helpers import BATCH, LEADS, assert_problem, lead_tables, send

pytestmark = pytest.mark.django_db


def mixed_batch() -> list:
    leads = [lead_payload(n) for n in range(100)]
    leads[3]["engagementScore"] = "85"
    leads[10]["contactInfo"]["email"] = "not-an-email"
    leads[50] = "a string, not a lead"
    leads[70]["engagementScore"] = 10  # below the baseline rule's minimum
    leads[99]["leadId"] = "lead-0"  # the same lead twice in one batch
    return leads


def test_a_batch_of_100_mixed_leads_answers_207_per_item(api):
    send(api, lead_payload(1))  # already stored: comes back unchanged
    response = send(api, {"leads": mixed_batch()}, BATCH)
    assert response.status_code == 207
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (95, 5)
    results = body["results"]
    assert [r["index"] for r in results] == list(range(100))
    assert (results[0]["outcome"], results[0]["status"], results[0]["leadStatus"]) == ("created", 201, "mql")
    assert (results[1]["outcome"], results[1]["status"]) == ("unchanged", 200)
    rejected = {r["index"]: (r["errors"][0]["path"], r["reasons"]) for r in results if r["outcome"] == "rejected"}
    assert rejected == {
        3: ("engagementScore", ["wrong_type"]),
        10: ("contactInfo.email", ["invalid_email"]),
        50: ("", ["wrong_type"]),
        70: ("engagementScore", ["not_qualified"]),
        99: ("leadId", ["duplicate_in_batch"]),
    }
    assert all(r["status"] == 422 and r["rejectionId"] for r in results if r["outcome"] == "rejected")
    assert Lead.objects.count() == 95
    assert not Lead.objects.filter(lead_id__in=["lead-3", "lead-10", "lead-70"]).exists()
    assert LeadRejection.objects.count() == 5


def test_a_batch_of_101_is_refused_whole(api):
    body = assert_problem(send(api, {"leads": [lead_payload(n) for n in range(101)]}, BATCH), 422)
    assert body["errors"][0]["path"] == "leads"
    assert not Lead.objects.exists()


@pytest.mark.parametrize("payload", [[], {"leads": []}, {"leads": "x"}, {}], ids=["list", "empty", "string", "none"])
def test_a_batch_must_be_an_object_with_leads(api, payload):
    before = lead_tables()
    assert_problem(send(api, payload, BATCH), 422)
    assert lead_tables() == before


def test_a_lead_can_be_followed_to_its_deal(api, rep):
    send(api, playbook_lead())
    body = api.get(f"{LEADS}/{playbook_lead()['leadId']}").json()
    assert (body["status"], body["owner"], body["deal"]) == ("mql", None, None)

    lead = lead_convert(lead=Lead.objects.get(), by=rep)
    body = api.get(f"{LEADS}/{lead.lead_id}").json()
    assert body["status"] == "converted"
    assert body["owner"] == {"name": rep.get_full_name(), "email": rep.email}
    assert body["deal"] == {"id": lead.deal.pk, "name": "Acme Corp — Jane Doe", "stage": "LeadIn"}


def test_another_integrations_lead_is_not_found(api, client):
    from tests.leads.factories import IntegrationFactory

    other = IntegrationFactory(name="Marketo")
    send(client, playbook_lead(), HTTP_AUTHORIZATION=f"Bearer {other.token}")
    assert_problem(api.get(f"{LEADS}/{playbook_lead()['leadId']}"), 404)


def test_rejections_are_paged_oldest_first_by_cursor(api):
    for n in range(5):
        send(api, lead_payload(n, engagementScore=-n - 1))
    first = api.get(f"{LEADS}/rejections", {"limit": 2}).json()
    assert [r["leadId"] for r in first["items"]] == ["lead-0", "lead-1"]
    assert first["items"][0]["errors"] == [
        {"path": "engagementScore", "message": "Input should be greater than or equal to 0"}
    ]
    second = api.get(f"{LEADS}/rejections", {"limit": 2, "cursor": first["nextCursor"]}).json()
    third = api.get(f"{LEADS}/rejections", {"limit": 2, "cursor": second["nextCursor"]}).json()
    assert [r["leadId"] for r in second["items"] + third["items"]] == ["lead-2", "lead-3", "lead-4"]
    assert third["nextCursor"] is None


def test_rejections_since_a_time(api):
    send(api, lead_payload(1, engagementScore=-1))
    LeadRejection.objects.update(received_at="2026-01-01T00:00:00Z")
    send(api, lead_payload(2, engagementScore=-1))
    body = api.get(f"{LEADS}/rejections", {"since": "2026-06-01T00:00:00Z"}).json()
    assert [r["leadId"] for r in body["items"]] == ["lead-2"]
    naive = api.get(f"{LEADS}/rejections", {"since": "2025-12-31T23:00:00"}).json()
    assert [r["leadId"] for r in naive["items"]] == ["lead-1", "lead-2"]


def test_rejections_of_other_integrations_are_not_shown(api, client):
    from tests.leads.factories import IntegrationFactory

    other = IntegrationFactory(name="Marketo")
    send(client, lead_payload(1, engagementScore=-1), HTTP_AUTHORIZATION=f"Bearer {other.token}")
    assert api.get(f"{LEADS}/rejections").json()["items"] == []


def test_a_bad_since_is_a_422_naming_it(api):
    body = assert_problem(api.get(f"{LEADS}/rejections", {"since": "yesterday"}), 422)
    assert body["errors"][0]["path"] == "since"


def test_routing_by_industry_and_size_takes_turns_within_the_team(api, team, rep, teammate, other_team):
    from tests.leads.factories import RoutingRuleFactory

    UserFactory(username="off.rep", role=Role.REP, team=team, is_active=False)
    RoutingRuleFactory(order=1, industry="saas", min_employees=100, max_employees=1000, team=team)
    RoutingRuleFactory(order=2, industry="SaaS", team=other_team)  # no reps: an unassigned queue for the team
    leads = [lead_payload(n) for n in range(3)]
    small = lead_payload(9)
    small["firmographics"]["employeeCount"] = 20
    other = lead_payload(8)
    other["firmographics"]["industry"] = "Retail"
    send(api, {"leads": [*leads, small, other]}, BATCH)
    send(api, lead_payload(4))
    owners = dict(Lead.objects.values_list("lead_id", "owner__username"))
    assert [owners[f"lead-{n}"] for n in (0, 1, 2, 4)] == ["alice.rep", "bob.rep", "alice.rep", "bob.rep"]
    assert Lead.objects.get(lead_id="lead-9").team == other_team
    assert owners["lead-9"] is None
    assert Lead.objects.get(lead_id="lead-8").team is None
