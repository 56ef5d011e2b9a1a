"""enablement_portal.db's batch writes: what they store is what the ORM would store, on both databases."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction

from enablement_portal.db import objects_insert, objects_update
from leads.models import Lead, LeadRejection
from tests.leads.factories import IntegrationFactory

pytestmark = pytest.mark.django_db


def _lead(integration, n: int, **fields) -> Lead:
    values = {
        "integration": integration,
        "lead_id": f"L{n}",
        "source": "Webinar · “Q2” \\ 'quoted'",
        "email": f"p{n}@example.com",
        "first_name": "Zoë",
        "last_name": "O'Brien",
        "job_title": "CTO",
        "company_name": "Acme",
        "industry": "SaaS",
        "employee_count": 250,
        "engagement_score": 85,
        "criteria": ["visited_pricing_page"],
        "raw_payload": {"leadId": f"L{n}", "nested": {"list": [1, None, "😀"]}},
        "payload_digest": "d" * 64,
        "received_at": datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        "updated_at": datetime(2026, 1, 2, 3, 4, 6, tzinfo=UTC),
        **fields,
    }
    return Lead(**values)


def test_objects_insert_stores_every_value_as_the_orm_would_and_sets_the_pks():
    integration = IntegrationFactory()
    leads = [_lead(integration, n) for n in range(3)]
    objects_insert(leads)
    assert [lead.pk for lead in leads] == list(Lead.objects.order_by("pk").values_list("pk", flat=True))
    assert all(not lead._state.adding for lead in leads)
    orm = _lead(integration, 9)
    orm.save()
    stored = {lead.lead_id: lead for lead in Lead.objects.all()}
    own = {"id", "lead_id", "email", "raw_payload"}
    fields = [f.attname for f in Lead._meta.concrete_fields if f.attname not in own]
    for n in range(3):
        assert [getattr(stored[f"L{n}"], name) for name in fields] == [getattr(stored["L9"], name) for name in fields]
        assert stored[f"L{n}"].raw_payload == {"leadId": f"L{n}", "nested": {"list": [1, None, "😀"]}}


def test_objects_insert_refuses_a_duplicate_like_bulk_create():
    integration = IntegrationFactory()
    objects_insert([_lead(integration, 1)])
    with pytest.raises(IntegrityError), transaction.atomic():
        objects_insert([_lead(integration, 2), _lead(integration, 1)])
    assert list(Lead.objects.values_list("lead_id", flat=True)) == ["L1"]


def test_objects_update_writes_the_named_fields_only():
    integration = IntegrationFactory()
    leads = [_lead(integration, n) for n in range(2)]
    objects_insert(leads)
    leads[0].engagement_score, leads[0].criteria, leads[0].job_title = 12, [], "CEO"
    leads[1].engagement_score = 13
    objects_update(leads, ["engagement_score", "criteria"])
    assert list(Lead.objects.order_by("lead_id").values_list("engagement_score", "criteria", "job_title")) == [
        (12, [], "CTO"),
        (13, ["visited_pricing_page"], "CTO"),
    ]
    rejection = LeadRejection(integration=integration, reasons=["invalid"], errors=[{"path": "a", "message": "b"}])
    objects_insert([rejection])
    assert LeadRejection.objects.get(pk=rejection.pk).errors == [{"path": "a", "message": "b"}]
