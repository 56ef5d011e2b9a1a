import copy
from typing import Any

import factory

from leads.models import Lead, LeadStatus, QualificationRule, RoutingRule
from leads.schemas import LeadIn
from leads.services import integration_create
from leads.validation import lead_fields, payload_digest

# The playbook's MQL, exactly as marketing sends it.
PLAYBOOK_LEAD: dict[str, Any] = {
    "leadId": "a1b2c3d4-e5f6-7890-g1h2-i3j4k5l6m7n8",
    "source": "ContentDownload_Whitepaper_Q2",
    "contactInfo": {
        "email": "jane.doe@acmecorp.com",
        "firstName": "Jane",
        "lastName": "Doe",
        "jobTitle": "Senior Software Engineer",
    },
    "firmographics": {"companyName": "Acme Corp", "industry": "SaaS", "employeeCount": 250},
    "engagementScore": 85,
    "qualificationCriteriaMet": ["downloaded_technical_whitepaper", "visited_pricing_page", "is_developer_title"],
}


def playbook_lead(**changes: Any) -> dict[str, Any]:
    """The playbook lead with top-level keys replaced (a value of None removes the key)."""
    payload = copy.deepcopy(PLAYBOOK_LEAD)
    for key, value in changes.items():
        if value is None:
            payload.pop(key, None)
        else:
            payload[key] = value
    return payload


def lead_payload(n: int, **changes: Any) -> dict[str, Any]:
    payload = playbook_lead(**changes)
    payload.setdefault("leadId", f"lead-{n}")
    if "leadId" not in changes:
        payload["leadId"] = f"lead-{n}"
    payload["contactInfo"]["email"] = f"person{n}@acmecorp.com"
    return payload


class IntegrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "leads.Integration"

    name = factory.Sequence(lambda n: f"HubSpot {n}")

    @classmethod
    def _create(cls, model_class, name: str, **kwargs):
        integration, token = integration_create(name=name, **kwargs)
        integration.token = token
        return integration


class LeadFactory(factory.django.DjangoModelFactory):
    """A stored lead, as intake would have stored it."""

    class Meta:
        model = Lead

    integration = factory.SubFactory(IntegrationFactory)
    lead_id = factory.Sequence(lambda n: f"lead-{n}")
    status = LeadStatus.MQL

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return super()._create(model_class, *args, **cls._as_sent(kwargs))

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        """Unsaved, for bulk_create: pass a saved `integration`."""
        return super()._build(model_class, *args, **cls._as_sent(kwargs))

    @staticmethod
    def _as_sent(kwargs: dict[str, Any]) -> dict[str, Any]:
        payload = lead_payload(0, leadId=kwargs["lead_id"])
        for name, value in lead_fields(LeadIn.model_validate(payload)).items():
            kwargs.setdefault(name, value)
        kwargs.setdefault("raw_payload", payload)
        kwargs.setdefault("payload_digest", payload_digest(payload))
        return kwargs


class RoutingRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoutingRule

    name = factory.Sequence(lambda n: f"Route {n}")


def baseline_rule() -> QualificationRule:
    return QualificationRule.objects.get(name="Baseline MQL")
