"""A believable collateral library for `load_demo`: the hand-written LIBRARY of case studies,
whitepapers, videos, one-pagers, tech sheets, battlecards and decks, spread over industries, use
cases, competitors and audiences as a real library is; two to four versions each, every one with
a generated file (PDF, or a PNG poster for videos) that the portal serves; some past their review
date; the search synonyms admins would add.

Deterministic and idempotent: assets are keyed by asset id and skipped when present, and every
date is laid out from the demo's today (accounts.demo). Usage is by the demo reps on their demo
deals, before each closed, so content lift has win rates.
"""

import struct
import zlib
from collections import defaultdict
from datetime import date, datetime, timedelta

import reversion
from django.core.files.base import ContentFile
from django.db import transaction

from accounts.demo import demo_moment, demo_today
from accounts.models import Role, User
from collateral.models import (
    ASSET_ID_PREFIX,
    Asset,
    AssetType,
    AssetUsage,
    AssetVersion,
    CollateralTag,
    SearchSynonym,
    TagKind,
    UsageKind,
    VersionStatus,
)
from collateral.services import asset_refresh, audiences_get_or_create, search_synonym_save, tags_get_or_create
from collateral.uploads import check_upload
from pipeline.models import Deal

INDUSTRIES = ["fintech", "healthcare", "retail", "manufacturing", "logistics", "telecom", "insurance", "education"]
USE_CASES = ["api_performance", "scalability", "security_compliance", "cost_reduction", "onboarding", "analytics",
             "fraud_prevention"]  # fmt: skip
COMPETITORS = ["competitor_x", "competitor_northwind", "competitor_globex"]
CHANGES = ["First release.", "New customer quotes and refreshed figures.", "Updated pricing and logos.",
           "Rewritten for the 2026 platform release."]  # fmt: skip
# What reps type that the library says differently (enablement admins edit them in admin).
SYNONYMS = {
    "HIPAA": "healthcare compliance",
    "ROI": "total cost of ownership",
    "TCO": "total cost of ownership",
    "PCI": "payment card security",
    "churn": "retention",
}

CS, WP, DV, OP, TS, BC, PD = (
    AssetType.CASE_STUDY,
    AssetType.WHITEPAPER,
    AssetType.DEMO_VIDEO,
    AssetType.ONE_PAGER,
    AssetType.TECH_SHEET,
    AssetType.BATTLECARD,
    AssetType.PITCH_DECK,
)
CTO, VPE, CFO, CISO, OPS, PROC, CMO = (
    "CTO", "VP of Engineering", "CFO", "CISO", "Head of Operations", "Procurement", "CMO",
)  # fmt: skip

# The library a mid-sized API platform company would have: (type, title, description, tags, audiences).
# Spread the way real libraries are: most case studies in the biggest industries, a battlecard per
# competitor and segment, decks per audience, a few videos; the relevance tests search this library.
LIBRARY: list[tuple[str, str, str, list[str], list[str]]] = [
    (CS, "Mercy Hospital Group secures patient data across 40 clinics",
     "How a regional hospital network passed its security audit and kept patient records private with "
     "encryption, access logs and consent tracking.", ["healthcare", "security_compliance"], [CISO, CTO]),
    (CS, "Northstar Bank cuts payment latency by 60%",
     "A retail bank moved card payments to our API and halved checkout times during peak hours.",
     ["fintech", "api_performance"], [CTO, VPE]),
    (CS, "Globex Bank scales to 10,000 transactions per second",
     "Black Friday traffic without an outage: how the bank's engineering team load-tested and scaled.",
     ["fintech", "scalability"], [VPE, CTO]),
    (CS, "Umbrella Retail lowers infrastructure costs by a third",
     "A fashion retailer consolidated three payment providers and reduced its total cost of ownership.",
     ["retail", "cost_reduction"], [CFO, PROC]),
    (CS, "Stark Logistics tracks 2 million parcels a day",
     "Real-time shipment analytics and dashboards for a European logistics company.",
     ["logistics", "analytics"], [OPS, CTO]),
    (CS, "Hooli Insurance stops claims fraud before payout",
     "Machine-learning fraud scoring on every claim reduced fraudulent payouts by 35%.",
     ["insurance", "fraud_prevention"], [CISO, CFO]),
    (CS, "Wayne Telecom onboards enterprise customers in days, not weeks",
     "Self-service onboarding and sandbox keys shortened the telecom's sales-to-live cycle.",
     ["telecom", "onboarding"], [OPS, VPE]),
    (CS, "Initech Health meets HIPAA with audit-ready logging",
     "A digital health startup passed its healthcare compliance review with immutable audit trails.",
     ["healthcare", "security_compliance"], [CISO]),
    (CS, "Vandelay Manufacturing predicts machine downtime",
     "Sensor data and analytics on the factory floor cut unplanned downtime by a quarter.",
     ["manufacturing", "analytics"], [OPS]),
    (CS, "Acme Retail switches from Northwind and saves 25%",
     "Why a retail chain replaced Northwind's gateway: lower fees and faster settlement.",
     ["retail", "competitor_northwind", "cost_reduction"], [CFO, PROC]),
    (CS, "Brightpath University modernises student payments",
     "Tuition and campus payments on one platform for a university with 30,000 students.",
     ["education", "onboarding"], [CFO, OPS]),
    (CS, "Soylent Foods improves supply chain visibility",
     "Cold-chain logistics analytics for a food manufacturer's distribution network.",
     ["manufacturing", "logistics", "analytics"], [OPS]),
    (WP, "The CISO's guide to PCI DSS 4.0",
     "What changes for payment card security in PCI DSS 4.0 and how tokenisation shrinks the audit scope.",
     ["security_compliance", "fintech"], [CISO]),
    (WP, "Total cost of ownership of payment infrastructure",
     "A model to compare in-house payment stacks and platforms over five years: licences, people, fees.",
     ["cost_reduction"], [CFO, PROC]),
    (WP, "Designing APIs for peak traffic",
     "Rate limits, idempotency and caching patterns that keep APIs fast under load.",
     ["api_performance", "scalability"], [CTO, VPE]),
    (WP, "Healthcare data privacy in the cloud",
     "Encryption, consent and data residency for patient data: a practical guide for health systems.",
     ["healthcare", "security_compliance"], [CISO, CTO]),
    (WP, "Fraud prevention for insurers",
     "Scoring models, rules and investigator workflows that catch claims fraud early.",
     ["insurance", "fraud_prevention"], [CISO, OPS]),
    (WP, "Real-time analytics for logistics networks",
     "Streaming shipment events into dashboards and forecasts for fleet and warehouse teams.",
     ["logistics", "analytics"], [OPS, CTO]),
    (DV, "Product tour: the developer dashboard in ten minutes",
     "A recorded walkthrough of API keys, logs and webhooks for new developers.",
     ["onboarding"], [VPE, CTO]),
    (DV, "Video: setting up fraud rules",
     "Build, test and roll out fraud rules without writing code.", ["fraud_prevention"], [OPS]),
    (DV, "Customer onboarding walkthrough video",
     "From signup to the first live payment: the onboarding flow your customers see.",
     ["onboarding", "retail"], [OPS, VPE]),
    (DV, "Analytics dashboards demo",
     "Revenue, conversion and failure-rate dashboards, filtered live.", ["analytics"], [CFO, OPS]),
    (OP, "Pricing one-pager",
     "Plans, volume discounts and what is included, on one page.", ["cost_reduction"], [CFO, PROC]),
    (OP, "Healthcare one-pager: compliant payments for providers",
     "Patient billing, HIPAA safeguards and integrations with practice management systems.",
     ["healthcare", "security_compliance"], [CFO, CISO]),
    (OP, "Retail one-pager: checkout that converts",
     "Faster checkout, more payment methods and fewer false declines for retailers.",
     ["retail", "api_performance"], [CMO, CTO]),
    (OP, "Security and compliance overview",
     "Certifications, encryption, penetration tests and our shared-responsibility model.",
     ["security_compliance"], [CISO, PROC]),
    (OP, "Logistics one-pager: payments for carriers and shippers",
     "Freight invoicing, driver payouts and fleet analytics.", ["logistics"], [OPS, CFO]),
    (OP, "Insurance one-pager: instant claims payouts",
     "Pay claims to cards and accounts in minutes, with fraud checks built in.",
     ["insurance", "fraud_prevention"], [OPS, CFO]),
    (TS, "API rate limits and latency figures",
     "Measured p50 and p99 latency per region, limits per plan, and how bursts are handled.",
     ["api_performance"], [CTO, VPE]),
    (TS, "Tech sheet: data encryption and key management",
     "Encryption at rest and in transit, key rotation, HSMs and customer-managed keys.",
     ["security_compliance"], [CISO, CTO]),
    (TS, "Tech sheet: scalability and architecture",
     "Multi-region active-active architecture, autoscaling and disaster recovery.",
     ["scalability"], [CTO, VPE]),
    (TS, "Single sign-on and user provisioning",
     "SAML, OIDC and SCIM setup for enterprise onboarding of your teams.",
     ["onboarding", "security_compliance"], [CTO, CISO]),
    (BC, "Battlecard: Northwind",
     "Where Northwind wins and loses, their pricing traps, and objection handling for our reps.",
     ["competitor_northwind"], [PROC, CFO]),
    (BC, "Battlecard: Globex Payments",
     "Globex's enterprise pitch, its weak spots in latency and support, and landmines to set.",
     ["competitor_globex", "api_performance"], [CTO]),
    (BC, "Battlecard: Competitor X in healthcare",
     "Competitor X's compliance claims versus our certifications for hospital deals.",
     ["competitor_x", "healthcare", "security_compliance"], [CISO]),
    (BC, "Battlecard: Northwind in retail",
     "Winning retail checkout deals against Northwind: fees, conversion and support.",
     ["competitor_northwind", "retail"], [CMO, CFO]),
    (BC, "Battlecard: Globex in fintech",
     "Displacing Globex at banks and fintechs: migration plan and proof points.",
     ["competitor_globex", "fintech"], [CTO, VPE]),
    (PD, "Corporate pitch deck",
     "Who we are, the platform, customers and the 2026 roadmap.", [], [CTO, CFO, CMO]),
    (PD, "CFO deck: ROI of a payment platform",
     "The business case for finance leaders: cost savings, payback period and risk.",
     ["cost_reduction"], [CFO]),
    (PD, "Healthcare pitch deck",
     "Payments and patient billing for hospitals, clinics and digital health.", ["healthcare"], [CTO, CFO]),
    (PD, "Fintech pitch deck",
     "Card issuing, payments and ledgers for banks and fintech companies.", ["fintech"], [CTO, VPE]),
    (PD, "Security deck for CISOs",
     "Our security programme, certifications and incident response, for security reviews.",
     ["security_compliance"], [CISO]),
    (PD, "Manufacturing pitch deck",
     "B2B invoicing, supplier payouts and plant analytics for manufacturers.",
     ["manufacturing", "analytics"], [OPS, CFO]),
    (WP, "Telecom billing modernisation",
     "Moving from batch billing to real-time charging for telecom operators.",
     ["telecom", "scalability"], [CTO, OPS]),
    (OP, "Education one-pager: campus payments",
     "Tuition plans, refunds and campus cards for universities and schools.", ["education"], [CFO, OPS]),
    (CS, "Oceanic Telecom cuts churn with usage analytics",
     "Customer retention rose after the operator used payment and usage analytics to spot churn early.",
     ["telecom", "analytics"], [CMO, OPS]),
    (TS, "Webhooks and event delivery",
     "Delivery guarantees, retries, signatures and ordering of webhook events.",
     ["api_performance", "onboarding"], [VPE]),
    (WP, "Scaling payment operations for high-growth retailers",
     "Peak-season readiness: capacity planning, load tests and support runbooks for retail.",
     ["retail", "scalability"], [OPS, VPE]),
]  # fmt: skip

DEMO_ASSETS = len(LIBRARY)


def demo_asset_id(index: int) -> str:
    # Demo ids use the type prefixes from number 0901 on, so ids generated later (CS-0001…) never clash.
    return f"{ASSET_ID_PREFIX[AssetType(LIBRARY[index][0])]}-{901 + index:04d}"


def _spec(index: int, today: date) -> dict:
    asset_type, title, description, tags, audiences = LIBRARY[index]
    return {
        "type": asset_type,
        "title": title,
        "description": description,
        "tags": tags,
        "audiences": audiences,
        # Every fifth asset is past its review date: the stale list and the flag have something to show.
        "review_by": today - timedelta(days=30 + index) if index % 5 == 0 else today + timedelta(days=240),
        "versions": 2 + index % 3,
    }


def _tiny_png(seed: int) -> bytes:
    """A 64x36 one-colour PNG: a demo video's poster frame, served by the portal itself."""
    red, green, blue = (37 * seed) % 256, (91 * seed) % 256, (53 * seed + 80) % 256
    rows = b"".join(b"\x00" + bytes([red, green, blue]) * 64 for _ in range(36))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 64, 36, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def demo_file(asset_type: str, title: str, version: str, seed: int) -> ContentFile:
    """The file of a demo version, generated: a PDF naming the asset and version, or a PNG for a video."""
    if asset_type == AssetType.DEMO_VIDEO:
        return ContentFile(_tiny_png(seed), name="demo.png")
    return ContentFile(_tiny_pdf(f"{title} - version {version}"), name="demo.pdf")


def _tiny_pdf(title: str) -> bytes:
    text = title.replace("(", "").replace(")", "")
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer << /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


@transaction.atomic
def load_demo(*, today: date | None = None) -> list[str]:
    today = today or demo_today()
    anchor = demo_moment(today, today=today)
    admin = User.objects.get(username="enablement")
    # Kinds for the demo's tags, so that every facet has options.
    kinds: dict[str, str] = dict.fromkeys(INDUSTRIES, TagKind.INDUSTRY)
    kinds |= dict.fromkeys(USE_CASES, TagKind.USE_CASE) | dict.fromkeys(COMPETITORS, TagKind.COMPETITOR)
    tags_get_or_create(kinds, kinds)
    for kind in (TagKind.INDUSTRY, TagKind.USE_CASE, TagKind.COMPETITOR):
        CollateralTag.objects.filter(name__in=[t for t, k in kinds.items() if k == kind]).update(kind=kind)

    for term, means in SYNONYMS.items():
        if not SearchSynonym.objects.filter(term=term).exists():
            search_synonym_save(synonym=SearchSynonym(term=term, means=means))
    created = 0
    for index in range(DEMO_ASSETS):
        spec = _spec(index, today)
        asset_id = demo_asset_id(index)
        if Asset.objects.filter(asset_id=asset_id).exists():
            continue
        created += 1
        _create_asset(asset_id, spec, index, admin, anchor)
    _record_usage(today)
    demo_assets = Asset.objects.filter(asset_id__in=[demo_asset_id(i) for i in range(DEMO_ASSETS)])
    total, stale = demo_assets.count(), demo_assets.stale().count()
    return [
        f"{total} assets ({created} new), {stale} past their review date; "
        "try /collateral/?q=healthcare+security+case+study"
    ]


def _create_asset(asset_id: str, spec: dict, index: int, admin: User, anchor: datetime) -> Asset:
    """The asset and its published versions, written directly (one revision per asset, not one per
    step as the services would make: the demo loads in well under a second)."""
    with reversion.create_revision():
        reversion.set_user(admin)
        reversion.set_comment("Demo data")
        asset = Asset(
            asset_id=asset_id,
            type=spec["type"],
            title=spec["title"],
            description=spec["description"],
            owner=admin,
            review_by=spec["review_by"],
            created_at=anchor - timedelta(days=10 + (DEMO_ASSETS - index) * 5 + spec["versions"] * 60),
        )
        asset.full_clean()
        asset.save()
        asset.tags.set(tags_get_or_create(spec["tags"]))
        asset.audiences.set(audiences_get_or_create(spec["audiences"]))
        for step in range(spec["versions"]):
            number = f"{1 + step // 2}.{step % 2}.0"
            # Every date is before the anchor: newer assets and later versions closer to it.
            published = anchor - timedelta(days=10 + (DEMO_ASSETS - index) * 5 + (spec["versions"] - 1 - step) * 60)
            version = AssetVersion(
                asset=asset,
                version=number,
                changelog=CHANGES[step % len(CHANGES)],
                status=VersionStatus.PUBLISHED,
                published_at=published,
                published_by=admin,
                created_at=published,
            )
            # Every version's file is stored and served by the portal: no link leaves it.
            upload = demo_file(spec["type"], spec["title"], number, index * 10 + step)
            version.file_extension = check_upload(upload)
            version.file_size = upload.size
            version.file = upload
            version.full_clean()
            version.save()
        return asset_refresh(asset=asset)


def _record_usage(today: date) -> None:
    """Views, downloads and shares by the demo reps on their own demo deals, before each deal closed,
    so that "most used" has an order and content lift has win rates. Replaced when the dates move."""
    ids = [demo_asset_id(i) for i in range(20)]
    reps = list(User.objects.filter(role=Role.REP).order_by("username")[:10])
    assets = list(Asset.objects.filter(asset_id__in=ids).order_by("asset_id"))
    deals: dict[int, list[Deal]] = defaultdict(list)
    for deal in Deal.objects.filter(owner__in=reps, external_id__startswith="demo-").order_by("external_id"):
        deals[deal.owner_id].append(deal)
    usages = []
    for a, asset in enumerate(assets):
        for r, rep in enumerate(reps[: 10 - a // 2]):
            kind = [UsageKind.DOWNLOAD, UsageKind.SHARE, UsageKind.VIEW][(a + r) % 3]
            own = deals[rep.pk]
            deal = own[(a + 3 * r) % len(own)] if own else None
            if deal is None:
                at, kind = demo_moment(today - timedelta(days=a + r), today=today), UsageKind.VIEW
            else:
                end = deal.closed_at or demo_moment(today, today=today)
                at = max(deal.created_at, end - timedelta(days=1 + (a + r) % 5))
            usages.append(
                AssetUsage(
                    asset=asset, version_id=asset.current_version_id, kind=kind, user=rep, deal=deal, created_at=at
                )
            )
    demo_usage = AssetUsage.objects.filter(asset__asset_id__in=ids, user__in=reps)
    stored = set(demo_usage.values_list("asset_id", "user_id", "deal_id", "kind", "created_at"))
    if stored == {(u.asset_id, u.user_id, u.deal_id, u.kind, u.created_at) for u in usages}:
        return
    demo_usage.filter(deal__external_id__startswith="demo-").delete()
    demo_usage.filter(deal__isnull=True).delete()
    AssetUsage.objects.bulk_create(usages)
