import copy

import pytest

from leads.models import Lead, LeadEvent, LeadRejection, QualificationCriterion
from tests.leads.factories import PLAYBOOK_LEAD, baseline_rule, playbook_lead
from tests.leads.helpers import assert_problem, lead_tables, send

pytestmark = pytest.mark.django_db


def test_the_playbook_lead_is_created(api, integration):
    response = send(api, PLAYBOOK_LEAD)
    assert response.status_code == 201, response.content
    assert response.json() == {"leadId": PLAYBOOK_LEAD["leadId"], "outcome": "created", "status": "mql", "warnings": []}
    lead = Lead.objects.get()
    assert (lead.integration, lead.email, lead.company_name, lead.engagement_score) == (
        integration,
        "jane.doe@acmecorp.com",
        "Acme Corp",
        85,
    )
    assert lead.criteria == PLAYBOOK_LEAD["qualificationCriteriaMet"]
    assert lead.raw_payload == PLAYBOOK_LEAD


def test_sending_it_again_answers_200_and_changes_nothing(api):
    send(api, PLAYBOOK_LEAD)
    before = lead_tables()
    response = send(api, PLAYBOOK_LEAD)
    assert response.status_code == 200
    assert response.json()["outcome"] == "unchanged"
    assert Lead.objects.count() == 1
    assert lead_tables() == before


def test_a_changed_score_updates_the_lead(api):
    send(api, PLAYBOOK_LEAD)
    response = send(api, playbook_lead(engagementScore=92))
    assert response.status_code == 200
    assert response.json()["outcome"] == "updated"
    lead = Lead.objects.get()
    assert lead.engagement_score == 92
    assert LeadEvent.objects.get(lead=lead).note == "engagementScore"


def test_the_same_lead_id_from_another_integration_is_another_lead(api, client):
    from tests.leads.factories import IntegrationFactory

    other = IntegrationFactory(name="Marketo")
    send(api, PLAYBOOK_LEAD)
    response = send(client, PLAYBOOK_LEAD, HTTP_AUTHORIZATION=f"Bearer {other.token}")
    assert response.status_code == 201
    assert Lead.objects.count() == 2


def test_unknown_fields_are_ignored_and_listed_as_warnings(api):
    payload = playbook_lead(utmCampaign="q2")
    payload["contactInfo"]["phone"] = "+1 555"
    response = send(api, payload)
    assert response.status_code == 201
    assert response.json()["warnings"] == [
        {"path": "contactInfo.phone", "message": "Unknown field, ignored."},
        {"path": "utmCampaign", "message": "Unknown field, ignored."},
    ]


def without(section: str, key: str) -> dict:
    payload = copy.deepcopy(PLAYBOOK_LEAD)
    del payload[section][key]
    return payload


def with_value(section: str, key: str, value) -> dict:
    payload = copy.deepcopy(PLAYBOOK_LEAD)
    payload[section][key] = value
    return payload


# Each rule of the contract: the payload that breaks it, the path named, and the reason code.
CONTRACT_RULES = {
    "missing leadId": (playbook_lead(leadId=None), "leadId", "missing_field"),
    "empty leadId": (playbook_lead(leadId=""), "leadId", "invalid_length"),
    "leadId over 64 chars": (playbook_lead(leadId="x" * 65), "leadId", "invalid_length"),
    "leadId a number": (playbook_lead(leadId=12345), "leadId", "wrong_type"),
    "missing source": (playbook_lead(source=None), "source", "missing_field"),
    "missing contactInfo": (playbook_lead(contactInfo=None), "contactInfo", "missing_field"),
    "contactInfo a string": (playbook_lead(contactInfo="jane"), "contactInfo", "wrong_type"),
    "missing email": (without("contactInfo", "email"), "contactInfo.email", "missing_field"),
    "bad email": (with_value("contactInfo", "email", "jane.doe@"), "contactInfo.email", "invalid_email"),
    "email without a dot": (with_value("contactInfo", "email", "jane@acmecorp"), "contactInfo.email", "invalid_email"),
    "email with spaces": (with_value("contactInfo", "email", "jane doe@x.com"), "contactInfo.email", "invalid_email"),
    "missing firstName": (without("contactInfo", "firstName"), "contactInfo.firstName", "missing_field"),
    "missing lastName": (without("contactInfo", "lastName"), "contactInfo.lastName", "missing_field"),
    "missing jobTitle": (without("contactInfo", "jobTitle"), "contactInfo.jobTitle", "missing_field"),
    "blank firstName": (with_value("contactInfo", "firstName", "  "), "contactInfo.firstName", "invalid_length"),
    "missing firmographics": (playbook_lead(firmographics=None), "firmographics", "missing_field"),
    "missing companyName": (without("firmographics", "companyName"), "firmographics.companyName", "missing_field"),
    "missing industry": (without("firmographics", "industry"), "firmographics.industry", "missing_field"),
    "missing employeeCount": (
        without("firmographics", "employeeCount"),
        "firmographics.employeeCount",
        "missing_field",
    ),
    "employeeCount a string": (
        with_value("firmographics", "employeeCount", "250"),
        "firmographics.employeeCount",
        "wrong_type",
    ),
    "employeeCount zero": (
        with_value("firmographics", "employeeCount", 0),
        "firmographics.employeeCount",
        "out_of_range",
    ),
    "missing engagementScore": (playbook_lead(engagementScore=None), "engagementScore", "missing_field"),
    "engagementScore a string": (playbook_lead(engagementScore="85"), "engagementScore", "wrong_type"),
    "engagementScore a float": (playbook_lead(engagementScore=85.5), "engagementScore", "wrong_type"),
    "engagementScore a boolean": (playbook_lead(engagementScore=True), "engagementScore", "wrong_type"),
    "engagementScore over 100": (playbook_lead(engagementScore=101), "engagementScore", "out_of_range"),
    "engagementScore negative": (playbook_lead(engagementScore=-1), "engagementScore", "out_of_range"),
    "missing criteria": (playbook_lead(qualificationCriteriaMet=None), "qualificationCriteriaMet", "missing_field"),
    "empty criteria": (playbook_lead(qualificationCriteriaMet=[]), "qualificationCriteriaMet", "invalid_length"),
    "criteria a string": (
        playbook_lead(qualificationCriteriaMet="visited_pricing_page"),
        "qualificationCriteriaMet",
        "wrong_type",
    ),
    "unknown criterion": (
        playbook_lead(qualificationCriteriaMet=["visited_pricing_page", "liked_a_tweet"]),
        "qualificationCriteriaMet[1]",
        "unknown_criterion",
    ),
    "criterion a number": (
        playbook_lead(qualificationCriteriaMet=["visited_pricing_page", 7]),
        "qualificationCriteriaMet[1]",
        "wrong_type",
    ),
}


@pytest.mark.parametrize(("payload", "path", "reason"), CONTRACT_RULES.values(), ids=CONTRACT_RULES.keys())
def test_each_contract_rule_is_enforced_by_path(api, integration, payload, path, reason):
    before = lead_tables()
    body = assert_problem(send(api, payload), 422)
    assert [error["path"] for error in body["errors"]] == [path]
    assert body["reason"] == "invalid"
    assert body["reasons"] == [reason]
    assert lead_tables() == before
    rejection = LeadRejection.objects.get()
    assert (rejection.integration, rejection.reasons, rejection.errors) == (integration, [reason], body["errors"])
    assert body["rejectionId"] == rejection.pk


def test_every_failing_field_is_named(api):
    payload = playbook_lead(engagementScore="high", leadId=None)
    payload["contactInfo"]["email"] = "nope"
    body = assert_problem(send(api, payload), 422)
    assert sorted(error["path"] for error in body["errors"]) == ["contactInfo.email", "engagementScore", "leadId"]
    assert sorted(body["reasons"]) == ["invalid_email", "missing_field", "wrong_type"]


def test_a_body_that_is_not_an_object_is_refused(api):
    body = assert_problem(send(api, [PLAYBOOK_LEAD]), 422)
    assert body["errors"][0]["path"] == ""
    assert LeadRejection.objects.get().reasons == ["wrong_type"]


def test_the_rejection_keeps_a_digest_not_the_person(api):
    send(api, with_value("contactInfo", "email", "jane.doe@"))
    rejection = LeadRejection.objects.values().get()
    assert len(rejection["payload_digest"]) == 64
    assert "jane" not in str(rejection).lower().replace(rejection["payload_digest"], "")


def test_an_update_that_breaks_the_contract_leaves_the_stored_lead_as_it_was(api):
    send(api, PLAYBOOK_LEAD)
    before = lead_tables()
    assert_problem(send(api, playbook_lead(engagementScore=150)), 422)
    assert lead_tables() == before


def test_a_retired_criterion_is_unknown(api):
    QualificationCriterion.objects.filter(code="is_developer_title").update(active=False)
    body = assert_problem(send(api, PLAYBOOK_LEAD), 422)
    assert body["errors"][0]["path"] == "qualificationCriteriaMet[2]"


def test_a_valid_but_unqualified_lead_is_refused_with_the_rules_it_failed(api, integration):
    rule = baseline_rule()
    rule.min_engagement_score = 90
    rule.blocked_email_domains = "acmecorp.com"
    rule.save()
    rule.required_criteria.add(QualificationCriterion.objects.get(code="visited_pricing_page"))
    payload = playbook_lead(qualificationCriteriaMet=["downloaded_technical_whitepaper"])
    before = lead_tables()
    body = assert_problem(send(api, payload), 422)
    assert body["reason"] == "not_qualified"
    assert body["type"].endswith("not-qualified")
    assert [(r["rule"], r["check"]) for r in body["failedRules"]] == [
        ("Baseline MQL", "min_engagement_score"),
        ("Baseline MQL", "required_criteria"),
        ("Baseline MQL", "blocked_email_domain"),
    ]
    assert [e["path"] for e in body["errors"]] == ["engagementScore", "qualificationCriteriaMet", "contactInfo.email"]
    assert "visited_pricing_page" in body["errors"][1]["message"]
    assert lead_tables() == before
    assert LeadRejection.objects.get().reasons == ["not_qualified"]


def test_a_blocked_domain_blocks_its_subdomains(api):
    rule = baseline_rule()
    rule.blocked_email_domains = "acmecorp.com"
    rule.save()
    payload = with_value("contactInfo", "email", "jane@eu.acmecorp.com")
    assert send(api, payload).json()["reason"] == "not_qualified"


def test_an_inactive_rule_does_not_apply(api):
    rule = baseline_rule()
    rule.min_engagement_score, rule.active = 99, False
    rule.save()
    assert send(api, PLAYBOOK_LEAD).status_code == 201


def test_unparsable_json_is_a_400(api):
    body = assert_problem(send(api, b'{"leadId": '), 400)
    assert "not valid JSON" in body["detail"]
    assert not LeadRejection.objects.exists()
