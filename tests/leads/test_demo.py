import pytest
from django.core.management import call_command

from leads.demo import DEMO_API_KEY
from leads.models import Lead, LeadEvent, LeadRejection, LeadStatus, RoutingRule
from tests.leads.factories import PLAYBOOK_LEAD
from tests.leads.helpers import send

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    return {
        "leads": list(Lead.objects.order_by("lead_id").values()),
        "events": list(LeadEvent.objects.order_by("id").values()),
        "rejections": list(LeadRejection.objects.order_by("id").values()),
        "rules": list(RoutingRule.objects.order_by("name").values()),
    }


def test_load_demo_twice_leaves_the_same_leads(capsys):
    call_command("load_demo")
    first = snapshot()
    call_command("load_demo")
    assert snapshot() == first


def test_the_demo_has_leads_in_every_state_and_a_working_key(client, capsys):
    call_command("load_demo")
    assert DEMO_API_KEY in capsys.readouterr().out
    statuses = set(Lead.objects.values_list("status", flat=True))
    assert {LeadStatus.MQL, LeadStatus.ACCEPTED, LeadStatus.RETURNED, LeadStatus.RESUBMITTED} <= statuses
    resubmitted = LeadEvent.objects.get(kind=LeadEvent.Kind.RESUBMITTED)
    assert [change["field"] for change in resubmitted.changes] == ["firmographics.employeeCount"]
    assert Lead.objects.filter(owner__username="violet.mclelland").exists()
    assert Lead.objects.filter(owner__isnull=True).exists()
    assert LeadRejection.objects.exists()
    assert send(client, PLAYBOOK_LEAD, HTTP_AUTHORIZATION=f"Bearer {DEMO_API_KEY}").status_code == 201
