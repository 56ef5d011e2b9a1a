import re

import pytest
from django.urls import reverse

from accounts.models import hash_api_key
from leads.models import Integration, Lead, LeadEvent, LeadRejection, QualificationCriterion
from tests.leads.factories import PLAYBOOK_LEAD, IntegrationFactory, LeadFactory
from tests.leads.helpers import send

pytestmark = pytest.mark.django_db


def shown_once(response, label: str) -> str:
    """The key (label "key") or signing secret ("secret") the key page shows, with its copy button."""
    html = response.content.decode()
    assert response.status_code == 200
    assert "this page is the only time" in html
    assert f'data-copy-target="{label}-1">Copy {label}</button>' in html
    assert "js/admin_copy.js" in html
    return re.search(rf'<code id="{label}-1">([^<]+)</code>', html).group(1)


def test_marketing_creates_an_integration_and_sees_its_key_once(client, marketing):
    client.force_login(marketing)
    data = {"name": "HubSpot EU", "rate_limit_requests": 50, "rate_limit_window_seconds": 10}
    response = client.post(reverse("admin:leads_integration_add"), data, follow=True)
    integration = Integration.objects.select_related("api_key").get(name="HubSpot EU")
    token = shown_once(response, "key")
    assert hash_api_key(token) == integration.api_key.key_hash
    assert integration.rate_limit_requests == 50
    # ... with the endpoint and a ready example (unsigned: this integration does not sign).
    html = response.content.decode()
    assert "POST http://testserver/api/v1/leads" in html
    assert f"KEY={token}" in html and "curl -sS -X POST" in html
    assert "X-Signature" not in html
    page = client.get(reverse("admin:leads_integration_change", args=[integration.pk])).content.decode()
    assert token not in page
    client.logout()
    assert send(client, PLAYBOOK_LEAD, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 201


def test_an_integration_name_is_required(client, marketing):
    client.force_login(marketing)
    response = client.post(reverse("admin:leads_integration_add"), {"name": ""})
    assert response.status_code == 200 and response.context["adminform"].form.errors["name"]
    assert not Integration.objects.exists()


def act(client, action: str, integration: Integration):
    url = reverse("admin:leads_integration_changelist")
    return client.post(url, {"action": action, "_selected_action": [integration.pk]}, follow=True)


def test_admin_revokes_an_integrations_key(client, marketing):
    integration = IntegrationFactory()
    client.force_login(marketing)
    act(client, "revoke_key", integration)
    client.logout()
    assert send(client, PLAYBOOK_LEAD, HTTP_AUTHORIZATION=f"Bearer {integration.token}").status_code == 403


def test_admin_issues_a_new_key(client, marketing):
    integration = IntegrationFactory()
    client.force_login(marketing)
    token = shown_once(act(client, "issue_new_key", integration), "key")
    client.logout()
    assert send(client, PLAYBOOK_LEAD, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 201
    assert send(client, PLAYBOOK_LEAD, HTTP_AUTHORIZATION=f"Bearer {integration.token}").status_code == 403


def test_admin_rotates_the_signing_secret(client, marketing):
    integration = IntegrationFactory()
    client.force_login(marketing)
    secret = shown_once(act(client, "rotate_signing_secret", integration), "secret")
    integration.refresh_from_db()
    assert integration.signing_secret == secret
    client.logout()
    assert send(client, PLAYBOOK_LEAD, HTTP_AUTHORIZATION=f"Bearer {integration.token}").status_code == 401


def test_rejections_are_read_only_in_admin(client, admin):
    rejection = LeadRejection.objects.create(
        integration=IntegrationFactory(), reasons=["invalid_email"], errors=[], payload_digest="0" * 64
    )
    client.force_login(admin)
    change = reverse("admin:leads_leadrejection_change", args=[rejection.pk])
    assert client.get(reverse("admin:leads_leadrejection_changelist")).status_code == 200
    assert client.get(change).status_code == 200
    assert client.post(change, {"lead_id": "x"}).status_code == 403
    assert client.get(reverse("admin:leads_leadrejection_add")).status_code == 403
    assert (
        client.post(reverse("admin:leads_leadrejection_delete", args=[rejection.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert LeadRejection.objects.get().lead_id == ""


def test_leads_are_searchable_and_filterable_in_admin(client, marketing, django_assert_max_num_queries):
    LeadFactory(company_name="Findme Inc")
    for _ in range(10):
        LeadFactory()
    client.force_login(marketing)
    url = reverse("admin:leads_lead_changelist")
    with django_assert_max_num_queries(15):
        response = client.get(url, {"q": "Findme", "status__exact": "mql"})
    assert response.context["cl"].result_count == 1


def test_marketing_edits_the_criteria_registry(client, marketing):
    client.force_login(marketing)
    data = {"code": "attended_webinar", "label": "Attended a webinar", "active": "on"}
    client.post(reverse("admin:leads_qualificationcriterion_add"), data)
    assert QualificationCriterion.objects.filter(code="attended_webinar").exists()
    payload = {**PLAYBOOK_LEAD, "qualificationCriteriaMet": ["attended_webinar"]}
    integration = IntegrationFactory()
    client.logout()
    assert send(client, payload, HTTP_AUTHORIZATION=f"Bearer {integration.token}").status_code == 201


@pytest.mark.parametrize("model", ["qualificationrule", "routingrule", "integration", "lead"])
def test_the_admin_pages_open(client, admin, model):
    client.force_login(admin)
    assert client.get(reverse(f"admin:leads_{model}_changelist")).status_code == 200


def test_an_admin_changes_a_leads_owner_only_with_a_reason_through_the_service(client, admin, rep, other_rep):
    lead = LeadFactory(owner=rep, team=rep.team)
    client.force_login(admin)
    url = reverse("admin:leads_lead_change", args=[lead.pk])
    form = {"owner": other_rep.pk, "events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0}
    refused = client.post(url, form)
    assert refused.status_code == 200
    assert "Say why the owner changes." in refused.content.decode()
    assert Lead.objects.get(pk=lead.pk).owner == rep
    response = client.post(url, {**form, "reassign_reason": "Moved to the West team"})
    assert response.status_code == 302, response.content
    lead = Lead.objects.get(pk=lead.pk)
    assert (lead.owner, lead.team) == (other_rep, other_rep.team)
    event = LeadEvent.objects.get(lead=lead, kind=LeadEvent.Kind.REASSIGNED)
    assert (event.by, event.note.endswith("Moved to the West team")) == (admin, True)


def test_marketing_cannot_change_a_leads_owner_in_admin(client, marketing, rep):
    lead = LeadFactory(owner=rep, team=rep.team)
    client.force_login(marketing)
    page = client.get(reverse("admin:leads_lead_change", args=[lead.pk]))
    assert page.status_code == 200, "marketing ops reads leads in admin"
    assert 'name="owner"' not in page.content.decode()


def test_the_admin_reassign_action_hands_selected_leads_over(client, admin, rep, teammate):
    leads = [LeadFactory(owner=rep, team=rep.team) for _ in range(2)]
    client.force_login(admin)
    ids = [x.pk for x in leads]
    changelist = reverse("admin:leads_lead_changelist")
    assert (
        "New owner"
        in client.post(changelist, {"action": "reassign_selected", "_selected_action": ids}).content.decode()
    )
    data = {
        "action": "reassign_selected",
        "_selected_action": ids,
        "apply": "1",
        "new_owner": teammate.pk,
        "reason": "Left",
    }
    response = client.post(changelist, data, follow=True)
    assert "2 leads now belong to" in response.content.decode()
    assert set(Lead.objects.filter(owner=teammate)) == set(leads)


def test_the_key_page_of_a_signing_integration_gives_the_signed_example(client, marketing):
    integration = IntegrationFactory(signing_secret="s3cret")
    client.force_login(marketing)
    html = act(client, "issue_new_key", integration).content.decode()
    assert "Signed request" in html and "X-Signature: $SIG" in html
    assert "SECRET=PASTE-THE-SIGNING-SECRET-HERE" in html  # the secret is not shown again


def test_the_key_page_is_shown_once(client, marketing):
    client.force_login(marketing)
    data = {"name": "Marketo", "rate_limit_requests": 50, "rate_limit_window_seconds": 10}
    token = shown_once(client.post(reverse("admin:leads_integration_add"), data), "key")
    integration = Integration.objects.get(name="Marketo")
    for url in [
        reverse("admin:leads_integration_changelist"),
        reverse("admin:leads_integration_change", args=[integration.pk]),
    ]:
        assert token not in client.get(url).content.decode()
