"""Demo leads for `load_demo`: a demo HubSpot integration with a public key, routing rules
for the demo teams, leads from the crm-sample accounts (the pipeline demo's copy) in
every status, and a few rejections for the quality report. Deterministic and idempotent:
leads go through the real intake, which leaves a lead sent again unchanged.
"""

import csv
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.demo import DEMO_ANCHOR, demo_api_key
from accounts.models import INTEGRATION_SCOPES, Team
from accounts.services import team_name_for
from leads.models import Integration, Lead, LeadEvent, LeadRejection, LeadStatus, ReturnReason, RoutingRule
from leads.services import lead_accept, lead_ingest, lead_return
from pipeline.demo import ACCOUNTS_CSV

DEMO_API_KEY = "ep_demo-hubspot-key-not-secret"  # a public demo key, like the demo password
CRITERIA = ["downloaded_technical_whitepaper", "visited_pricing_page", "is_developer_title"]
FIRST = ["Jane", "Omar", "Li", "Priya", "Tom", "Ana", "Kofi", "Mia", "Sven", "Yuki", "Noor", "Luis"]
LAST = ["Doe", "Haddad", "Wei", "Nair", "Berg", "Costa", "Mensah", "Rossi", "Lund", "Sato", "Khan", "Vega"]
TITLES = ["Senior Software Engineer", "CTO", "Head of IT", "DevOps Lead", "Procurement Manager", "Data Engineer"]
SOURCES = ["ContentDownload_Whitepaper_Q2", "Webinar_Q3", "PricingPage_Visit", "Trial_Signup"]
# (rule name, industry as the export spells it, first and last name of the team's manager, office)
ROUTES = [
    ("Software to East (Losch)", "software", "Cara Losch", "East"),
    ("Technology to East (Losch)", "technolgy", "Cara Losch", "East"),
    ("Medical to Central (Brinkmann)", "medical", "Dustin Brinkmann", "Central"),
    ("Retail to West (Rouche)", "retail", "Celia Rouche", "West"),
    ("Finance to East (Neubert)", "finance", "Rocco Neubert", "East"),
]
LEADS = 48


def _at(index: int, hour: int = 9) -> datetime:
    day = DEMO_ANCHOR - timedelta(days=index % 21)
    return timezone.make_aware(datetime.combine(day, time(hour, index % 60)), timezone.get_default_timezone())


def _integration() -> Integration:
    api_key = demo_api_key(name="HubSpot (demo)", token=DEMO_API_KEY, scopes=INTEGRATION_SCOPES)
    integration, _ = Integration.objects.get_or_create(name="HubSpot (demo)", defaults={"api_key": api_key})
    return integration


def _routes() -> None:
    for order, (name, industry, manager, office) in enumerate(ROUTES):
        team = Team.objects.filter(name=team_name_for(office=office, manager_name=manager)).first()
        if team is not None:
            RoutingRule.objects.update_or_create(
                name=name, defaults={"order": order, "industry": industry, "team": team}
            )


def _payload(index: int, row: dict) -> dict:
    first, last = FIRST[index % len(FIRST)], LAST[(index * 5) % len(LAST)]
    domain = "".join(ch for ch in row["account"].lower() if ch.isalnum())
    return {
        "leadId": f"hs-{1000 + index}",
        "source": SOURCES[index % len(SOURCES)],
        "contactInfo": {
            "email": f"{first}.{last}@{domain}.com".lower(),
            "firstName": first,
            "lastName": last,
            "jobTitle": TITLES[index % len(TITLES)],
        },
        "firmographics": {
            "companyName": row["account"],
            "industry": row["sector"],
            "employeeCount": int(row["employees"]),
        },
        "engagementScore": 45 + (index * 7) % 56,
        "qualificationCriteriaMet": CRITERIA[: 1 + index % 3],
    }


REJECTED = [
    {"leadId": "hs-bad-1", "contactInfo": {"email": "no-at-sign"}, "engagementScore": "90"},
    {"leadId": "hs-bad-2", "engagementScore": 120, "qualificationCriteriaMet": ["liked_a_post"]},
    {"leadId": "hs-bad-3", "qualificationCriteriaMet": []},
]


@transaction.atomic
def load_demo() -> list[str]:
    integration = _integration()
    _routes()
    rows = list(csv.DictReader(ACCOUNTS_CSV.open(newline="")))[:LEADS]
    new = [
        r.lead
        for r in lead_ingest(integration=integration, payloads=[_payload(i, row) for i, row in enumerate(rows)])
        if r.outcome == "created" and r.lead is not None
    ]
    for lead in new:
        index = int(lead.lead_id.split("-")[1]) - 1000
        Lead.objects.filter(pk=lead.pk).update(received_at=_at(index), updated_at=_at(index))
        # Some work done by sales, so the inbox and the quality report have something to show.
        if lead.owner is not None and index % 5 == 1:
            lead_accept(lead=lead, by=lead.owner)
        elif lead.owner is not None and index % 7 == 2:
            lead_return(
                lead=lead, by=lead.owner, reason=ReturnReason.values[index % 5], note="Demo: see the call notes."
            )
        LeadEvent.objects.filter(lead=lead).update(at=_at(index, hour=15))
        Lead.objects.filter(pk=lead.pk, status=LeadStatus.RETURNED).update(
            returned_at=_at(index, 15), updated_at=_at(index, 15)
        )
    if not integration.rejections.exists():
        lead_ingest(integration=integration, payloads=REJECTED)
        for index, rejection in enumerate(integration.rejections.order_by("id")):
            LeadRejection.objects.filter(pk=rejection.pk).update(received_at=_at(index, hour=11))
    leads = integration.leads.count()
    return [
        f"{leads} leads from {integration} ({integration.leads.filter(owner__isnull=True).count()} unassigned), "
        f"{integration.rejections.count()} rejections",
        f"API key of the demo integration (public): {DEMO_API_KEY}",
    ]
