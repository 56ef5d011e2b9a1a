"""Demo leads for `load_demo`: a demo HubSpot integration with a public key, routing rules
for the demo teams, leads from the crm-sample accounts (the pipeline demo's copy) in
every status (some returned, corrected by marketing and resubmitted), and a few rejections for
the quality report. Dated from the demo's today (accounts.demo), so the quality report has the
last weeks' leads. Deterministic and idempotent: leads go through the real intake, which leaves
a lead sent again unchanged, and a re-run dates them again from its day.
"""

import csv
from datetime import date, datetime, timedelta

from django.db import transaction

from accounts.demo import demo_api_key, demo_moment, demo_today
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


def _at(index: int, today: date, hour: int = 9, days_later: int = 0) -> datetime:
    day = today - timedelta(days=index % 21 - days_later)
    return demo_moment(day, hour, index % 60, today=today)


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


# Returned leads that marketing corrected and sent again (those of them that sales returned).
RESUBMIT = {30}


def _corrected(payload: dict) -> dict:
    # Returned as not a fit for its size: marketing found the company's real head count.
    firmographics = payload["firmographics"]
    return {**payload, "firmographics": {**firmographics, "employeeCount": firmographics["employeeCount"] * 8}}


@transaction.atomic
def load_demo(*, today: date | None = None) -> list[str]:
    today = today or demo_today()
    integration = _integration()
    _routes()
    rows = list(csv.DictReader(ACCOUNTS_CSV.open(newline="")))[:LEADS]
    sent = set(integration.leads.values_list("lead_id", flat=True))
    payloads = [_payload(i, row) for i, row in enumerate(rows)]
    # A lead already sent is sent as it stands now (corrected or not): a re-run changes nothing.
    final = [_corrected(p) if i in RESUBMIT else p for i, p in enumerate(payloads)]
    results = lead_ingest(
        integration=integration, payloads=[final[i] if p["leadId"] in sent else p for i, p in enumerate(payloads)]
    )
    new = [r.lead for r in results if r.outcome == "created" and r.lead is not None]
    for lead in new:
        index = _index(lead)
        # Some work done by sales, so the inbox and the quality report have something to show.
        if lead.owner is not None and index % 5 == 1:
            lead_accept(lead=lead, by=lead.owner)
        elif lead.owner is not None and index % 7 == 2:
            lead_return(
                lead=lead, by=lead.owner, reason=ReturnReason.values[index % 5], note="Demo: see the call notes."
            )
    lead_ingest(integration=integration, payloads=[final[_index(lead)] for lead in new if _index(lead) in RESUBMIT])
    _date_leads(integration, today)
    if not integration.rejections.exists():
        lead_ingest(integration=integration, payloads=REJECTED)
    for index, rejection in enumerate(integration.rejections.order_by("id")):
        LeadRejection.objects.filter(pk=rejection.pk).update(received_at=_at(index, today, hour=11))
    leads = integration.leads.count()
    return [
        f"{leads} leads from {integration} ({integration.leads.filter(owner__isnull=True).count()} unassigned, "
        f"{integration.leads.filter(status=LeadStatus.RESUBMITTED).count()} resubmitted), "
        f"{integration.rejections.count()} rejections",
        f"API key of the demo integration (public): {DEMO_API_KEY}",
    ]


def _index(lead: Lead) -> int:
    return int(lead.lead_id.split("-")[1]) - 1000


def _date_leads(integration: Integration, today: date) -> None:
    """Every demo lead and its history dated from `today`: received on one of the last 21 days,
    acted on by sales that afternoon, resubmitted the next morning."""
    hours: dict[str, tuple[int, int]] = {LeadEvent.Kind.RESUBMITTED: (1, 11)}
    for lead in integration.leads.filter(lead_id__startswith="hs-").prefetch_related("events"):
        index = _index(lead)
        received, last, returned = _at(index, today), _at(index, today), None
        for event in lead.events.all():
            days, hour = hours.get(event.kind, (0, 15))
            event.at = _at(index, today, hour=hour, days_later=days)
            last = max(last, event.at)
            returned = event.at if event.kind == LeadEvent.Kind.RETURNED else returned
            LeadEvent.objects.filter(pk=event.pk).update(at=event.at)
        Lead.objects.filter(pk=lead.pk).update(received_at=received, updated_at=last, returned_at=returned)
