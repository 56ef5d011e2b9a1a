"""A believable collateral library for `load_demo`: 63 assets over every type, industry, use case
and competitor, two to four versions each, some past their review date, a few with real files.

Deterministic and idempotent: assets are keyed by asset id and skipped when present, and every
date is laid out from the demo's today (accounts.demo). Usage is by the demo reps on their demo
deals, before each closed, so content lift has win rates.
"""

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
    TagKind,
    UsageKind,
    VersionStatus,
)
from collateral.services import asset_refresh, audiences_get_or_create, tags_get_or_create
from collateral.uploads import check_upload
from pipeline.models import Deal

INDUSTRIES = ["fintech", "healthcare", "retail", "manufacturing", "logistics", "telecom", "insurance"]
USE_CASES = ["api_performance", "scalability", "security_compliance", "cost_reduction", "onboarding", "analytics"]
COMPETITORS = ["competitor_x", "competitor_northwind", "competitor_globex"]
AUDIENCES = ["CTO", "VP of Engineering", "CFO", "CISO", "Head of Operations", "Procurement"]
CUSTOMERS = ["Acme Corp", "Globex Bank", "Initech Health", "Umbrella Retail", "Stark Logistics", "Wayne Telecom",
             "Hooli Insurance", "Vandelay Industries", "Soylent Foods"]  # fmt: skip

TITLES = {
    AssetType.CASE_STUDY: "How {customer} improved {use_case} in {industry}",
    AssetType.WHITEPAPER: "{use_case_title} for {industry}: a practical guide",
    AssetType.DEMO_VIDEO: "Demo: {use_case} in ten minutes",
    AssetType.ONE_PAGER: "{industry_title} one-pager: {use_case}",
    AssetType.TECH_SHEET: "Tech sheet: {use_case} architecture and limits",
    AssetType.BATTLECARD: "Battlecard: winning against {competitor}",
    AssetType.PITCH_DECK: "{industry_title} pitch deck",
}
CHANGES = ["First release.", "New customer quotes and refreshed figures.", "Updated pricing and logos.",
           "Rewritten for the 2026 platform release."]  # fmt: skip


DEMO_ASSETS = 63


def demo_asset_id(index: int) -> str:
    # Demo ids use the type prefixes from number 0901 on, so ids generated later (CS-0001…) never clash.
    return f"{ASSET_ID_PREFIX[list(AssetType)[index % len(AssetType)]]}-{901 + index:04d}"


def _words(tag: str) -> str:
    return tag.replace("competitor_", "").replace("_", " ")


def _spec(index: int, today: date) -> dict:
    types = list(AssetType)
    asset_type = types[index % len(types)]
    industry = INDUSTRIES[index % len(INDUSTRIES)]
    use_case = USE_CASES[(index // 2) % len(USE_CASES)]
    competitor = COMPETITORS[index % len(COMPETITORS)]
    customer = CUSTOMERS[index % len(CUSTOMERS)]
    title = TITLES[asset_type].format(
        customer=customer,
        use_case=_words(use_case),
        use_case_title=_words(use_case).capitalize(),
        industry=industry,
        industry_title=industry.capitalize(),
        competitor=_words(competitor).capitalize(),
    )
    tags = [industry, use_case] + ([competitor] if asset_type == AssetType.BATTLECARD or index % 4 == 0 else [])
    return {
        "type": asset_type,
        "title": title,
        "description": f"For {', '.join(AUDIENCES[index % 6 : index % 6 + 2])} at {industry} companies: "
        f"{_words(use_case)} with proof points from {customer}.",
        "tags": tags,
        "audiences": AUDIENCES[index % 6 : index % 6 + 2],
        # Every fifth asset is past its review date: the stale list and the flag have something to show.
        "review_by": today - timedelta(days=30 + index) if index % 5 == 0 else today + timedelta(days=240),
        "versions": 2 + index % 3,
    }


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
    return [f"{total} assets ({created} new), {stale} past their review date; try /collateral/?q=fintech"]


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
            if index < 6 and step == spec["versions"] - 1:
                # A few real files, so preview and download work offline.
                pdf = ContentFile(_tiny_pdf(spec["title"]), name="demo.pdf")
                version.file_extension = check_upload(pdf)
                version.file_size = pdf.size
                version.file = pdf
            else:
                version.external_url = f"https://cdn.example.com/collateral/{asset_id}-v{number}.pdf"
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
