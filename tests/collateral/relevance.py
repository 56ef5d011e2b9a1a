"""The labelled relevance set: queries typed as reps type them, each with the assets a rep wants
to see, over the demo library (collateral.demo.LIBRARY) made through the services.

Used by tests/collateral/test_relevance.py (floors asserted on each database) and by
bench/collateral_relevance.py (recall@3 and MRR printed per database).
"""

from dataclasses import dataclass

from accounts.models import User
from collateral.demo import LIBRARY, SYNONYMS
from collateral.models import AssetVersion, SearchSynonym
from collateral.selectors import LibraryFilters, assets_for_display, assets_matching
from collateral.services import asset_create, asset_publish_version, search_synonym_save

PREFIX = "RL"


@dataclass(frozen=True)
class Labelled:
    query: str
    relevant: tuple[str, ...]  # titles of the assets a rep wants, the best first
    typo: bool = False


QUERIES = [
    # Multi-word, types, industries
    Labelled(
        "healthcare security case study",
        (
            "Mercy Hospital Group secures patient data across 40 clinics",
            "Initech Health meets HIPAA with audit-ready logging",
        ),
    ),
    Labelled(
        "case studies healthcare",
        (
            "Initech Health meets HIPAA with audit-ready logging",
            "Mercy Hospital Group secures patient data across 40 clinics",
        ),
    ),
    Labelled(
        "fintech case study",
        (
            "Globex Bank scales to 10,000 transactions per second",
            "Northstar Bank cuts payment latency by 60%",
        ),
    ),
    Labelled(
        "battlecard northwind",
        (
            "Battlecard: Northwind in retail",
            "Battlecard: Northwind",
        ),
    ),
    Labelled(
        "globex battlecard",
        (
            "Battlecard: Globex in fintech",
            "Battlecard: Globex Payments",
        ),
    ),
    Labelled("competitor x", ("Battlecard: Competitor X in healthcare",)),
    Labelled(
        "northwind retail",
        (
            "Battlecard: Northwind in retail",
            "Acme Retail switches from Northwind and saves 25%",
        ),
    ),
    Labelled("pricing one pager", ("Pricing one-pager",)),
    Labelled("retail one pager", ("Retail one-pager: checkout that converts",)),
    Labelled(
        "onboarding video",
        (
            "Customer onboarding walkthrough video",
            "Product tour: the developer dashboard in ten minutes",
        ),
    ),
    Labelled("fraud video", ("Video: setting up fraud rules",)),
    Labelled("security deck", ("Security deck for CISOs",)),
    Labelled("manufacturing deck", ("Manufacturing pitch deck",)),
    Labelled("pitch deck fintech", ("Fintech pitch deck",)),
    Labelled("healthcare deck", ("Healthcare pitch deck",)),
    Labelled(
        "whitepapers security",
        (
            "The CISO's guide to PCI DSS 4.0",
            "Healthcare data privacy in the cloud",
        ),
    ),
    Labelled("scalability tech sheet", ("Tech sheet: scalability and architecture",)),
    Labelled("datasheet encryption", ("Tech sheet: data encryption and key management",)),
    Labelled(
        "fraud insurance",
        (
            "Fraud prevention for insurers",
            "Hooli Insurance stops claims fraud before payout",
            "Insurance one-pager: instant claims payouts",
        ),
    ),
    Labelled(
        "logistics analytics",
        (
            "Real-time analytics for logistics networks",
            "Stark Logistics tracks 2 million parcels a day",
            "Soylent Foods improves supply chain visibility",
        ),
    ),
    Labelled(
        "telecom",
        (
            "Telecom billing modernisation",
            "Wayne Telecom onboards enterprise customers in days, not weeks",
            "Oceanic Telecom cuts churn with usage analytics",
        ),
    ),
    Labelled(
        "education",
        (
            "Education one-pager: campus payments",
            "Brightpath University modernises student payments",
        ),
    ),
    # Words of titles and descriptions
    Labelled(
        "latency",
        (
            "API rate limits and latency figures",
            "Northstar Bank cuts payment latency by 60%",
        ),
    ),
    Labelled(
        "api performance",
        (
            "Designing APIs for peak traffic",
            "API rate limits and latency figures",
            "Northstar Bank cuts payment latency by 60%",
        ),
    ),
    Labelled("encryption", ("Tech sheet: data encryption and key management",)),
    Labelled("university payments", ("Brightpath University modernises student payments",)),
    Labelled("single sign on", ("Single sign-on and user provisioning",)),
    Labelled("webhooks", ("Webhooks and event delivery",)),
    Labelled(
        "insurance claims payouts",
        (
            "Hooli Insurance stops claims fraud before payout",
            "Insurance one-pager: instant claims payouts",
        ),
    ),
    Labelled(
        "peak traffic",
        (
            "Designing APIs for peak traffic",
            "Scaling payment operations for high-growth retailers",
        ),
    ),
    Labelled("black friday", ("Globex Bank scales to 10,000 transactions per second",)),
    Labelled(
        "patient data",
        (
            "Mercy Hospital Group secures patient data across 40 clinics",
            "Healthcare data privacy in the cloud",
        ),
    ),
    Labelled("supply chain", ("Soylent Foods improves supply chain visibility",)),
    # Plurals and other forms
    Labelled(
        "dashboards",
        (
            "Analytics dashboards demo",
            "Product tour: the developer dashboard in ten minutes",
        ),
    ),
    Labelled(
        "hospitals",
        (
            "Mercy Hospital Group secures patient data across 40 clinics",
            "Healthcare pitch deck",
        ),
    ),
    Labelled(
        "insurers fraud",
        (
            "Fraud prevention for insurers",
            "Hooli Insurance stops claims fraud before payout",
        ),
    ),
    # Audiences
    Labelled(
        "ciso",
        (
            "Security deck for CISOs",
            "The CISO's guide to PCI DSS 4.0",
        ),
    ),
    Labelled(
        "roi cfo",
        (
            "CFO deck: ROI of a payment platform",
            "Total cost of ownership of payment infrastructure",
        ),
    ),
    Labelled(
        "vp of engineering scalability",
        (
            "Tech sheet: scalability and architecture",
            "Globex Bank scales to 10,000 transactions per second",
            "Designing APIs for peak traffic",
        ),
    ),
    Labelled("procurement pricing", ("Pricing one-pager",)),
    # Synonyms (SYNONYMS in collateral/demo.py)
    Labelled(
        "hipaa",
        (
            "Initech Health meets HIPAA with audit-ready logging",
            "Healthcare one-pager: compliant payments for providers",
        ),
    ),
    Labelled("pci", ("The CISO's guide to PCI DSS 4.0",)),
    Labelled(
        "tco",
        (
            "Total cost of ownership of payment infrastructure",
            "Umbrella Retail lowers infrastructure costs by a third",
        ),
    ),
    Labelled("churn", ("Oceanic Telecom cuts churn with usage analytics",)),
    # Typos
    Labelled(
        "helthcare security case study",
        (
            "Mercy Hospital Group secures patient data across 40 clinics",
            "Initech Health meets HIPAA with audit-ready logging",
        ),
        typo=True,
    ),
    Labelled(
        "batlecard globex",
        (
            "Battlecard: Globex Payments",
            "Battlecard: Globex in fintech",
        ),
        typo=True,
    ),
    Labelled(
        "onbaording video",
        (
            "Customer onboarding walkthrough video",
            "Product tour: the developer dashboard in ten minutes",
        ),
        typo=True,
    ),
    Labelled(
        "fraud preventoin",
        (
            "Fraud prevention for insurers",
            "Video: setting up fraud rules",
            "Hooli Insurance stops claims fraud before payout",
        ),
        typo=True,
    ),
    Labelled(
        "manufactoring analytics",
        (
            "Vandelay Manufacturing predicts machine downtime",
            "Soylent Foods improves supply chain visibility",
            "Manufacturing pitch deck",
        ),
        typo=True,
    ),
    Labelled("encyption tech sheet", ("Tech sheet: data encryption and key management",), typo=True),
]


def load_library(*, by: User) -> dict[str, str]:
    """The demo library and its synonyms, through the services; title -> asset id."""
    for term, means in SYNONYMS.items():
        search_synonym_save(synonym=SearchSynonym(term=term, means=means))
    ids = {}
    for index, (asset_type, title, description, tags, audiences) in enumerate(LIBRARY):
        asset = asset_create(
            by=by,
            asset_id=f"{PREFIX}-{index + 1:04d}",
            type=asset_type,
            title=title,
            description=description,
            tags=tags,
            audiences=audiences,
        )
        version = AssetVersion.objects.create(asset=asset, version="1.0.0", major=1, external_url="https://x.test/a")
        asset_publish_version(version=version, by=by)
        ids[title] = asset.asset_id
    return ids


def ranked(query: str, limit: int = 10) -> list[str]:
    """The first `limit` results for `query`, as a rep's search ranks them, among the set's assets only
    (the benchmark's database also holds its synthetic library)."""
    filters = LibraryFilters(q=query)
    assets = assets_matching(user=None, filters=filters).filter(asset_id__startswith=f"{PREFIX}-")
    return list(assets_for_display(assets, filters).values_list("asset_id", flat=True)[:limit])


@dataclass(frozen=True)
class Scores:
    recall_at_3: float
    mrr: float
    top: dict[str, str]  # query -> its first result's asset id
    misses: list[str]  # queries without a relevant asset in the top 3


def score(ids: dict[str, str]) -> Scores:
    hits, reciprocal, top, misses = 0, 0.0, {}, []
    for labelled in QUERIES:
        results = ranked(labelled.query)
        relevant = {ids[title] for title in labelled.relevant}
        ranks = [rank for rank, asset_id in enumerate(results, start=1) if asset_id in relevant]
        if ranks and ranks[0] <= 3:
            hits += 1
        else:
            misses.append(f"{labelled.query!r}: {results[:3]}")
        reciprocal += 1 / ranks[0] if ranks else 0
        top[labelled.query] = results[0] if results else ""
    return Scores(hits / len(QUERIES), reciprocal / len(QUERIES), top, misses)
