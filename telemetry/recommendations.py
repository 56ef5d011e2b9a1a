"""Collateral recommended on an open deal, from the nightly content-lift snapshot (never live).

Scoring: a Beta prior centred on the organisation's overall win rate p0 and worth
PRIOR_DEALS (metrics/segments.py) closed deals. An asset's win rate with it shared in the deal's segment is shrunk to
(won_with + k·p0) / (closed_with + k), the rate without it likewise, and the score is the
difference (shrunk lift, in points). Why this and not a Wilson lower bound: the Beta mean moves
smoothly from the base rate to the measured one as deals accumulate, so 2 wins of 2 reads as "a
little above average" rather than 100 %, and it treats "with" and "without" alike, so the score
is a lift the explanation can state; a Wilson bound penalises every small sample toward zero
(not toward the base rate) and has no matching bound for a difference of two rates.

Below TELEMETRY_RECOMMENDATION_MIN_DEALS closed deals with the asset in every segment of the
deal, the measured lift is not trusted: assets are then ranked by tag relevance (the deal's
industry, a competitor named in the deal, and the asset types that fit its stage).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, Q, Value, When

from collateral.models import Asset, AssetType, AssetUsage, CollateralTag, TagKind, UsageKind
from pipeline.models import Deal, Stage
from telemetry.metrics.base import NO_PRODUCT
from telemetry.metrics.segments import NO_INDUSTRY, TOP_PER_SEGMENT, shrunk_lift
from telemetry.models import Dimension, Metric, MetricSnapshot, Period, RunStatus, TelemetryRun

LIMIT = 5
# How many of the best-scored assets are looked up (visibility, titles): enough to fill LIMIT
# after archived or unpublished ones drop out, in one query whatever the library's size.
CANDIDATES = 50
STRONG_SAMPLE = 30
# The asset types that fit each open stage (a weak signal: one point of tag relevance).
STAGE_TYPES: dict[str, set[str]] = {
    Stage.LEAD_IN: {AssetType.ONE_PAGER, AssetType.CASE_STUDY},
    Stage.DISCOVERY: {AssetType.CASE_STUDY, AssetType.ONE_PAGER, AssetType.WHITEPAPER},
    Stage.TECHNICAL_DEMO: {AssetType.DEMO_VIDEO, AssetType.TECH_SHEET},
    Stage.PROPOSAL: {AssetType.PITCH_DECK, AssetType.WHITEPAPER, AssetType.CASE_STUDY},
    Stage.CLOSING: {AssetType.BATTLECARD, AssetType.CASE_STUDY},
}
SEGMENT_ORDER = [Dimension.INDUSTRY, Dimension.PRODUCT, Dimension.STAGE]


@dataclass(frozen=True)
class Evidence:
    dimension: str
    segment: str
    closed_with: int
    won_with: int
    closed_without: int
    won_without: int

    def shrunk(self, base: Decimal) -> Decimal:
        return shrunk_lift((self.won_with, self.closed_with), (self.won_without, self.closed_without), base)

    def phrase(self) -> str:
        if self.dimension == Dimension.INDUSTRY:
            return f"closed {self.segment} deals"
        if self.dimension == Dimension.PRODUCT:
            return f"closed {self.segment} deals"
        return f"closed deals that reached {Stage(self.segment).label}"

    def explanation(self) -> str:
        return (
            f"shared on {self.closed_with} {self.phrase()}, {self.won_with} won — "
            f"{percent(self.won_with, self.closed_with)} vs "
            f"{percent(self.won_without, self.closed_without)} without"
        )


def percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)} %" if whole else "n/a"


@dataclass(frozen=True)
class Recommendation:
    asset_pk: int
    asset_id: str
    title: str
    url: str
    basis: str  # "lift" or "tags"
    score: Decimal | None
    explanation: str
    sample_size: int
    badge: str
    tone: str
    shared: bool


@dataclass(frozen=True)
class Recommendations:
    deal: Deal
    as_of: date | None
    items: list[Recommendation]
    why_nothing: str = ""


def _deal_segments(deal: Deal) -> dict[str, str]:
    return {
        Dimension.INDUSTRY: deal.account.industry or NO_INDUSTRY,
        Dimension.PRODUCT: deal.product.name if deal.product else NO_PRODUCT,
        Dimension.STAGE: deal.stage,
    }


def latest_as_of() -> date | None:
    return (
        TelemetryRun.objects.filter(status=RunStatus.SUCCEEDED)
        .order_by("-as_of")
        .values_list("as_of", flat=True)
        .first()
    )


def _evidence(as_of: date, segments: dict[str, str]) -> tuple[Decimal | None, dict[int, list[Evidence]]]:
    """The base win rate and each asset's evidence in the deal's segments (the segments' best
    TOP_PER_SEGMENT assets and their totals): one query through the segment index, no JSON."""
    lift = MetricSnapshot.objects.filter(as_of=as_of, metric=Metric.CONTENT_LIFT, period=Period.ALL).order_by()
    columns = ("dimension", "key", "numerator", "denominator")
    # One index range per segment (UNION ALL), not one OR over the whole metric: PostgreSQL
    # cannot use an index on an OR of (dimension, segment) pairs and would filter every row.
    best_rows = [
        lift.filter(dimension=dimension, segment=segment, position__lte=TOP_PER_SEGMENT).values_list(*columns)
        for dimension, segment in segments.items()
    ]
    rows = lift.filter(dimension=Dimension.ALL).values_list(*columns).union(*best_rows, all=True)
    base: Decimal | None = None
    totals: dict[str, tuple[int, int]] = {}
    shared: list[tuple[str, int, int, int]] = []
    for dimension, key, won_count, closed_count in rows:
        if dimension == Dimension.ALL:
            base = won_count / closed_count if closed_count else None
            continue
        asset = key.rsplit("|", 1)[1]
        if asset == "*":
            totals[dimension] = (int(closed_count), int(won_count))
        else:
            shared.append((dimension, int(asset), int(closed_count), int(won_count)))
    per_asset: dict[int, list[Evidence]] = {}
    for dimension, asset_pk, closed, won in shared:
        closed_all, won_all = totals.get(dimension, (closed, won))
        evidence = Evidence(dimension, segments[dimension], closed, won, closed_all - closed, won_all - won)
        per_asset.setdefault(asset_pk, []).append(evidence)
    return base, per_asset


def _best(evidence: list[Evidence], minimum: int) -> Evidence:
    """The most specific segment with enough deals (industry, then product, then stage), else the largest."""
    ordered = sorted(evidence, key=lambda e: SEGMENT_ORDER.index(Dimension(e.dimension)))
    return next((e for e in ordered if e.closed_with >= minimum), max(ordered, key=lambda e: e.closed_with))


def _tag_words(deal: Deal) -> list[str]:
    industry = deal.account.industry.strip().lower()
    return [industry, industry.replace(" ", "_")] if industry else []


def recommendations_for(deal: Deal) -> Recommendations:
    """Up to LIMIT assets for an open `deal` (fetched with its account) that the caller may see.

    Five queries whatever the number of assets and deals: the latest snapshot date, the deal's
    evidence rows (one UNION ALL), the tags that match it, the candidate assets, and what is already shared.
    """
    if not deal.is_open:
        return Recommendations(deal, None, [], "Recommendations are for open deals; this one is closed.")
    as_of = latest_as_of()
    if as_of is None:
        return Recommendations(
            deal, None, [], "No telemetry snapshot yet: recommendations appear after the nightly run."
        )
    minimum = settings.TELEMETRY_RECOMMENDATION_MIN_DEALS
    segments = _deal_segments(deal)
    base, evidence = _evidence(as_of, segments)
    best = {pk: _best(items, minimum) for pk, items in evidence.items()}
    scores = {pk: e.shrunk(base) for pk, e in best.items()} if base is not None else {}
    ranked = sorted(scores, key=lambda pk: -scores[pk])
    tags = _matching_tags(deal)
    assets = _candidate_assets(ranked[:CANDIDATES], tags)
    shared = set(
        AssetUsage.objects.filter(deal=deal, kind=UsageKind.SHARE, asset_id__in=[a.pk for a in assets])
        .order_by()
        .values_list("asset_id", flat=True)
        .distinct()
    )
    trusted = [a for a in assets if a.pk in best and best[a.pk].closed_with >= minimum]
    by_lift = sorted((a for a in trusted if scores[a.pk] > 0), key=lambda a: (-scores[a.pk], a.title))
    picked = [_lift_item(a, best[a.pk], scores[a.pk], a.pk in shared, minimum) for a in by_lift[:LIMIT]]
    trusted_pks = {a.pk for a in trusted}
    untrusted = [a for a in assets if a.pk not in trusted_pks]
    relevance = {a.pk: _relevance(a, tags, deal.stage) for a in untrusted}
    by_tags = sorted(
        (a for a in untrusted if relevance[a.pk][0] > 0),
        key=lambda a: (-relevance[a.pk][0], -scores.get(a.pk, Decimal(0)), a.title),
    )
    for asset in by_tags[: LIMIT - len(picked)]:
        picked.append(_tag_item(asset, relevance[asset.pk][1], best.get(asset.pk), asset.pk in shared))
    why = "" if picked else _why_nothing(deal, segments, evidence, assets, tags)
    return Recommendations(deal, as_of, picked, why)


def _matching_tags(deal: Deal) -> dict[int, tuple[str, str]]:
    """Tag id -> (kind, label) of the collateral tags that match the deal: its industry, and the
    competitors whose name appears in the deal's name (a deal has no competitor field)."""
    words = _tag_words(deal)
    name = deal.name.lower()
    condition = Q(kind=TagKind.INDUSTRY, name__in=words) if words else Q(pk__in=[])
    tags = CollateralTag.objects.filter(condition | Q(kind=TagKind.COMPETITOR)).values_list("pk", "kind", "name")
    matching = {}
    for pk, kind, tag_name in tags:
        label = tag_name.replace("competitor_", "").replace("_", " ")
        # A whole word of the deal's name ("Acme vs Northwind"), not any letters ("x" in "Faxquote").
        if kind == TagKind.INDUSTRY or re.search(rf"\b{re.escape(label.lower())}\b", name):
            matching[pk] = (kind, label)
    return matching


def _candidate_assets(ranked: Iterable[int], tags: dict[int, tuple[str, str]]) -> list[Asset]:
    """The visible (published, not archived) assets among the best scored and the tag matches."""
    ranked = list(ranked)
    condition = Q(pk__in=ranked) | Q(tagged_items__tag_id__in=list(tags))
    # The best scored first, so that a library with many tag matches never pushes them out.
    first = Case(When(pk__in=ranked, then=Value(0)), default=Value(1))
    return list(
        Asset.objects.visible()
        .filter(condition)
        .distinct()
        .only("pk", "asset_id", "title", "type", "facet_tags", "published_at")
        .order_by(first, "-published_at", "asset_id")[: CANDIDATES * 4]
    )


def _relevance(asset: Asset, tags: dict[int, tuple[str, str]], stage: str) -> tuple[int, str]:
    """Two points per matching industry or competitor tag, one for a type that fits the stage."""
    matches = [tags[tag] for tag in asset.facet_tags if tag in tags]
    points = 2 * len(matches)
    reasons = [
        f"tagged {label} ({'industry' if kind == TagKind.INDUSTRY else 'competitor'})" for kind, label in matches
    ]
    if asset.type in STAGE_TYPES.get(stage, set()):
        points += 1
        reasons.append(f"a {AssetType(asset.type).label.lower()} fits {Stage(stage).label}")
    return points, "; ".join(reasons)


def _lift_item(asset: Asset, evidence: Evidence, score: Decimal, shared: bool, minimum: int) -> Recommendation:
    n = evidence.closed_with
    badge, tone = (f"{n} deals", "success") if n >= STRONG_SAMPLE else (f"small sample: {n} deals", "warning")
    return Recommendation(
        asset.pk, asset.asset_id, asset.title, asset.get_absolute_url(), "lift",
        score.quantize(Decimal("0.0001")), evidence.explanation().capitalize(), n, badge, tone, shared,
    )  # fmt: skip


def _tag_item(asset: Asset, reasons: str, evidence: Evidence | None, shared: bool) -> Recommendation:
    n = evidence.closed_with if evidence else 0
    history = f"; too little history ({evidence.explanation()})" if evidence else "; no history on closed deals yet"
    return Recommendation(
        asset.pk, asset.asset_id, asset.title, asset.get_absolute_url(), "tags", None,
        f"Matches this deal: {reasons}{history}", n, f"tags only: {n} deals" if n else "tags only", "", shared,
    )  # fmt: skip


def _why_nothing(
    deal: Deal,
    segments: dict[str, str],
    evidence: dict[int, list[Evidence]],
    assets: list[Asset],
    tags: dict[int, tuple[str, str]],
) -> str:
    where = f"{segments[Dimension.INDUSTRY]}, {segments[Dimension.PRODUCT]}, {Stage(deal.stage).label}"
    if evidence and not assets:
        return (
            f"The {len(evidence)} asset(s) shared on closed deals like this one ({where}) are archived or have "
            "no published version, and no published asset is tagged for its industry or a competitor."
        )
    if evidence:
        return (
            f"The assets shared on closed deals like this one ({where}) did not win more often than the "
            "deals without them, and no published asset is tagged for its industry or a competitor."
        )
    if not tags:
        return (
            f"No asset has been shared on closed deals like this one ({where}) yet, and no collateral tag "
            "matches its industry or a competitor in its name."
        )
    return f"No published asset has history on closed deals like this one ({where}) or matches its tags."
