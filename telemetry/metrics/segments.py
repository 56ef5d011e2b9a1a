"""Content lift by segment: per asset and segment (industry, product, stage reached), the deals
closed in the period on which the asset was shared before closing against those on which it was not.

A closed deal's segments are its account's industry, its product, and every open stage it
reached: a won deal reached them all, a lost one those up to the stage it was lost at (so the
"Proposal" segment is "deals that got as far as Proposal", which is what an open deal in
Proposal is compared with when recommendations read these rows).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
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
# The Beta prior of the recommendations (telemetry/recommendations.py says why): worth this many
# closed deals at the overall win rate.
PRIOR_DEALS = 10


def shrunk_lift(with_: tuple[int, int], without: tuple[int, int], base: Decimal) -> Decimal:
    """(won + k·base) / (closed + k) with the asset minus the same without: (won, closed) pairs."""
    k = Decimal(PRIOR_DEALS)
    return (with_[0] + k * base) / (with_[1] + k) - (without[0] + k * base) / (without[1] + k)


def reached_stages(stage: str, lost_at_stage: str) -> list[str]:
    """The open stages a closed deal reached: all for a won deal, up to where a lost one was lost."""
    if stage == Stage.CLOSED_WON:
        return [str(s) for s in OPEN_STAGES]
    last = OPEN_STAGES.index(Stage(lost_at_stage)) if lost_at_stage in Stage.values else 0
    return [str(s) for s in OPEN_STAGES[: last + 1]]


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
    for dimension, segment in segments:
        for period in LIFT_PERIODS:
            pair = counts.setdefault((dimension, segment, period), [0, 0])
            pair[0] += group[f"closed_{period}"]
            pair[1] += group[f"won_{period}"]


def content_lift(window: Span) -> list[Row]:
    """Per asset, segment and period: won / closed with the asset shared, the same without, and
    the lift in percentage points (win rate with minus win rate without). Plus one overall row per
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
    lift_rows: list[Row] = []
    for (asset_id, title), counts in per_asset.items():
        for key, (closed_with, won_with) in counts.items():
            if closed_with:
                lift_rows.append(
                    _lift_row(asset_id, title, *key, (closed_with, won_with), (totals[key][0], totals[key][1]))
                )
    return rows + _ranked(lift_rows, overall)


def _ranked(rows: list[Row], overall: dict[str, list[int]]) -> list[Row]:
    """Number each segment's asset rows 1, 2, ... by shrunk lift (the totals row is 0), so that a
    recommendation reads a segment's best few rows through the index instead of all of them."""

    def score(row: Row) -> Decimal:
        closed, won = overall[row.period]
        d = row.details
        return shrunk_lift(
            (d["won_with"], d["closed_with"]), (d["won_without"], d["closed_without"]), Decimal(won) / closed
        )

    ordered = sorted(rows, key=lambda r: (r.period, r.dimension, r.segment, -score(r), r.key))
    ranked, previous, position = [], None, 0
    for row in ordered:
        group = (row.period, row.dimension, row.segment)
        position = position + 1 if group == previous else 1
        previous = group
        ranked.append(replace(row, position=position))
    return ranked


def _lift_row(
    asset_id: int, title: str, dimension: str, segment: str, period: str, with_: tuple[int, int], all_: tuple[int, int]
) -> Row:
    (closed_with, won_with), (closed_all, won_all) = with_, all_
    closed_without, won_without = closed_all - closed_with, won_all - won_with
    rate_with, rate_without = ratio(won_with, closed_with), ratio(won_without, closed_without)
    lift = None if rate_with is None or rate_without is None else (rate_with - rate_without) * 100
    return Row(
        Metric.CONTENT_LIFT,
        period,
        dimension,
        f"{segment}|{asset_id}",
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
    )
