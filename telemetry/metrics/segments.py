"""Content lift by segment: per asset and segment (industry, product, stage reached), the deals
closed in the period on which the asset was shared before closing against those on which it was not.

A closed deal's segments are its account's industry, its product, and every open stage it
reached: a won deal reached them all, a lost one those up to the stage it was lost at (so the
"Proposal" segment is "deals that got as far as Proposal", which is what an open deal in
Proposal is compared with when recommendations read these rows).
"""

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q

from collateral.models import AssetUsage, UsageKind
from pipeline.models import CLOSED_STAGES, OPEN_STAGES, Deal, Stage
from telemetry.metrics.base import NO_PRODUCT, Row, Span, ratio
from telemetry.models import Dimension, Metric, Period

NO_INDUSTRY = "(no industry)"
# Month and quarter would split a segment's closed deals into samples too thin to rank on;
# year and all time are what the dashboard and the recommendations read.
LIFT_PERIODS = [Period.YEAR, Period.ALL]
SEGMENT_DIMENSIONS = [Dimension.INDUSTRY, Dimension.PRODUCT, Dimension.STAGE]
# Rows kept per segment and period: its best assets by shrunk lift. Recommendations read no more
# than these, and a dashboard table of every asset in every segment (2,000 assets x 18 segments
# x 2 periods: 72,000 rows, most of them a handful of deals) was most of the nightly write.
TOP_PER_SEGMENT = 100
# The Beta prior of the recommendations (telemetry/recommendations.py says why): worth this many
# closed deals at the overall win rate.
PRIOR_DEALS = 10


def shrunk_lift(with_: tuple[int, int], without: tuple[int, int], base: Decimal) -> Decimal:
    """(won + k·base) / (closed + k) with the asset minus the same without: (won, closed) pairs."""
    k = Decimal(PRIOR_DEALS)
    return (with_[0] + k * base) / (with_[1] + k) - (without[0] + k * base) / (without[1] + k)


_OPEN_STAGES = [str(s) for s in OPEN_STAGES]


def reached_stages(stage: str, lost_at_stage: str) -> list[str]:
    """The open stages a closed deal reached: all for a won deal, up to where a lost one was lost."""
    if stage == Stage.CLOSED_WON:
        return _OPEN_STAGES
    last = _OPEN_STAGES.index(lost_at_stage) if lost_at_stage in _OPEN_STAGES else 0
    return _OPEN_STAGES[: last + 1]


def deal_segments(industry: str, product: str, stage: str, lost_at_stage: str) -> list[tuple[str, str]]:
    """(dimension, segment) pairs of one closed deal."""
    segments = [(str(Dimension.INDUSTRY), industry or NO_INDUSTRY), (str(Dimension.PRODUCT), product or NO_PRODUCT)]
    return segments + [(str(Dimension.STAGE), s) for s in reached_stages(stage, lost_at_stage)]


def per_period_counts(window: Span, deal: str, count: str) -> dict[str, Count]:
    """Closed and won deals per period; `deal` is the path to the deal ("" or "deal__")."""
    won = Q(**{f"{deal}stage": Stage.CLOSED_WON})
    return {
        f"{outcome}_{period}": Count(count, distinct=True, filter=window.during(period, f"{deal}closed_at") & extra)
        for period in LIFT_PERIODS
        for outcome, extra in (("closed", Q()), ("won", won))
    }


def _shared_groups(window: Span) -> list[Any]:
    """Closed deals each asset was shared on before they closed, won among them, per segment
    columns and period: one query. A deal falls in one group per asset, so counts add up."""
    return list(
        AssetUsage.objects.filter(
            kind=UsageKind.SHARE,
            deal__stage__in=CLOSED_STAGES,
            deal__closed_at__lt=window.end,
            created_at__lte=F("deal__closed_at"),
        )
        .order_by()
        .values(
            "asset_id", "asset__title", "asset__asset_id",
            "deal__account__industry", "deal__product__name", "deal__stage", "deal__lost_at_stage",
        )
        .annotate(**per_period_counts(window, "deal__", "deal"))
    )  # fmt: skip


def _closed_groups(window: Span) -> list[dict[str, Any]]:
    """Closed deals and won ones per segment columns and period: one query."""
    return list(
        Deal.objects.filter(stage__in=CLOSED_STAGES, closed_at__lt=window.end)
        .order_by()
        .values("account__industry", "product__name", "stage", "lost_at_stage")
        .annotate(**per_period_counts(window, "", "pk"))
    )


Counts = dict[tuple[str, str, str], list[int]]  # (dimension, segment, period) -> [closed, won]


def _add(counts: Counts, segments: Iterable[tuple[str, str]], group: dict[str, Any]) -> None:
    # Run once per aggregated group (over 100,000 at 1M deals): the period columns are read once,
    # and a period without closed deals adds nothing (no row is made of a zero count).
    pairs = [(period, group[f"closed_{period}"], group[f"won_{period}"]) for period in LIFT_PERIODS]
    pairs = [pair for pair in pairs if pair[1]]
    for dimension, segment in segments:
        for period, closed, won in pairs:
            pair = counts.setdefault((dimension, segment, period), [0, 0])
            pair[0] += closed
            pair[1] += won


def content_lift(window: Span) -> list[Row]:
    """Per asset, segment and period: won / closed with the asset shared, the same without, and
    the lift in percentage points (win rate with minus win rate without), for each segment's
    TOP_PER_SEGMENT assets by shrunk lift (the segment totals count every deal). Plus one overall row per
    period (dimension "all"): every closed deal, the base rate recommendations shrink toward.
    Two queries.
    """
    totals: Counts = {}
    overall: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for group in _closed_groups(window):
        segments = deal_segments(
            group["account__industry"], group["product__name"], group["stage"], group["lost_at_stage"]
        )
        _add(totals, segments, group)
        for period in LIFT_PERIODS:
            overall[period][0] += group[f"closed_{period}"]
            overall[period][1] += group[f"won_{period}"]
    per_asset: dict[tuple[int, str], Counts] = defaultdict(dict)
    for group in _shared_groups(window):
        segments = deal_segments(
            group["deal__account__industry"],
            group["deal__product__name"],
            group["deal__stage"],
            group["deal__lost_at_stage"],
        )
        title = f"{group['asset__title']} ({group['asset__asset_id']})"
        _add(per_asset[(group["asset_id"], title)], segments, group)
    rows = [
        Row(Metric.CONTENT_LIFT, period, Dimension.ALL, "all", "All closed deals", numerator=Decimal(won),
            denominator=Decimal(closed), value=ratio(won, closed))
        for period, (closed, won) in overall.items() if closed
    ]  # fmt: skip
    # Each segment's totals (key "<segment>|*"): "without" is total minus "with", so a reader
    # needs only the numerator and denominator columns of the rows, never their details.
    for (dimension, segment, segment_period), (closed, won) in totals.items():
        if closed:
            rows.append(
                Row(Metric.CONTENT_LIFT, segment_period, dimension, f"{segment}|*", f"All closed deals: {segment}",
                    numerator=Decimal(won), denominator=Decimal(closed), value=ratio(won, closed),
                    details={"segment": segment, "total": True}, segment=segment)
            )  # fmt: skip
    # Each segment's asset rows numbered 1, 2, ... by shrunk lift (the totals row is 0), so that a
    # recommendation reads a segment's best rows through the index; only TOP_PER_SEGMENT are kept.
    # Scored and sorted as plain tuples, each Row built once with its position.
    bases = {period: Decimal(won) / closed for period, (closed, won) in overall.items() if closed}
    scored: list[tuple[tuple[str, str, str], Decimal, str, int, str, tuple[int, int], tuple[int, int]]] = []
    for (asset_id, title), counts in per_asset.items():
        for (dimension, segment, lift_period), (closed_with, won_with) in counts.items():
            if closed_with:
                closed_all, won_all = totals[(dimension, segment, lift_period)]
                with_, without = (won_with, closed_with), (won_all - won_with, closed_all - closed_with)
                score = shrunk_lift(with_, without, bases[lift_period])
                where = (str(lift_period), dimension, segment)
                scored.append((where, -score, f"{segment}|{asset_id}", asset_id, title, with_, without))
    scored.sort(key=lambda item: item[:3])
    previous: tuple[str, str, str] | None = None
    position = 0
    for where, _score, key, asset_id, title, with_, without in scored:
        position = position + 1 if where == previous else 1
        previous = where
        if position <= TOP_PER_SEGMENT:
            rows.append(_lift_row(asset_id, title, key, *where, with_, without, position))
    return rows


def _lift_row(
    asset_id: int,
    title: str,
    key: str,
    period: str,
    dimension: str,
    segment: str,
    with_: tuple[int, int],
    without: tuple[int, int],
    position: int,
) -> Row:
    """One asset's row in one segment: (won, closed) with it shared and without."""
    (won_with, closed_with), (won_without, closed_without) = with_, without
    rate_with, rate_without = ratio(won_with, closed_with), ratio(won_without, closed_without)
    lift = None if rate_with is None or rate_without is None else (rate_with - rate_without) * 100
    return Row(
        Metric.CONTENT_LIFT,
        period,
        dimension,
        key,
        title,
        numerator=Decimal(won_with),
        denominator=Decimal(closed_with),
        value=rate_with,
        details={
            "asset_id": asset_id,
            "segment": segment,
            "closed_with": closed_with,
            "won_with": won_with,
            "closed_without": closed_without,
            "won_without": won_without,
            "win_rate_without": None if rate_without is None else str(rate_without),
            "lift_points": None if lift is None else str(lift.quantize(Decimal("0.01"))),
        },
        segment=segment,
        position=position,
    )
