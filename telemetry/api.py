"""`/api/v1/telemetry/{metric}`: a stored snapshot's rows, for managers and admins.

Authentication as for the deals API: a portal session, or an API key with the `telemetry:read`
scope acting for a person; that person's `for_user` rule applies (a manager gets their own
team's reps only) and a person without telemetry rights gets 403.
"""

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from accounts.auth import PersonAuth
from accounts.http import PersonApiRequest
from accounts.models import Scope
from pipeline.models import Deal
from telemetry.models import PERIODLESS_METRICS, Dimension, Metric, MetricSnapshot, Period
from telemetry.recommendations import recommendations_for

router = Router(tags=["telemetry"], auth=PersonAuth(Scope.TELEMETRY_READ, permission="telemetry.view_dashboard"))
# Mounted under /deals beside pipeline's router (pipeline does not import telemetry): what a
# deal's reader may read, for the deals they may see (another team's deal is a 404).
deal_router = Router(
    tags=["recommendations"],
    auth=PersonAuth(Scope.DEALS_READ, permission="telemetry.view_recommendations"),
)

# Literals built from the enums at import time, so the schema lists the values; a type checker
# cannot evaluate them and reads them as the strings they are.
if TYPE_CHECKING:
    MetricName = str
    DimensionName = str
    PeriodName = str
else:
    MetricName = Literal[tuple(m.value for m in Metric)]
    DimensionName = Literal[tuple(d.value for d in Dimension)]
    PeriodName = Literal[tuple(p.value for p in Period)]

# The dimension a metric is read along when the request names none.
DEFAULT_BY: dict[str, Dimension] = {
    Metric.STAGE_FUNNEL: Dimension.STAGE,
    Metric.SALES_CYCLE: Dimension.OUTCOME,
    Metric.TIME_TO_RAMP: Dimension.REP,
    Metric.CONTENT_USAGE: Dimension.ASSET,
    Metric.LEAD_FUNNEL: Dimension.INTEGRATION,
    Metric.CONTENT_LIFT: Dimension.INDUSTRY,
    Metric.REP_FUNNEL: Dimension.REP,
    Metric.READINESS: Dimension.REP,
    Metric.GATE_COMPLIANCE: Dimension.STAGE,
    Metric.CALL_HABITS: Dimension.REP,
    Metric.CALL_TRACKERS: Dimension.TRACKER,
}


class SnapshotQuery(Schema):
    as_of: date | None = Field(None, description="Snapshot date, YYYY-MM-DD (default: the latest)")
    by: DimensionName | None = Field(None, description="rep, team, product, stage, asset, integration, ...")
    period: PeriodName = Field(Period.QUARTER, description="month, quarter, year (to date) or all")


class RowOut(Schema):
    key: str
    label: str
    numerator: Decimal
    denominator: Decimal
    value: Decimal | None
    details: dict


class SnapshotOut(Schema):
    metric: str
    as_of: date
    by: str
    period: str
    rows: list[RowOut]


@router.get("/{metric}", response=SnapshotOut, summary="One metric of a stored snapshot, along one dimension")
def metric_rows(request: PersonApiRequest, metric: MetricName, query: Query[SnapshotQuery]) -> dict[str, Any]:
    by = query.by or DEFAULT_BY.get(metric, Dimension.ALL)
    period = Period.ALL if metric in PERIODLESS_METRICS else query.period
    snapshots = MetricSnapshot.objects.filter(metric=metric)
    as_of = query.as_of or snapshots.order_by("-as_of").values_list("as_of", flat=True).first()
    if as_of is None or not snapshots.filter(as_of=as_of).exists():
        raise Http404(f"No {metric} snapshot{f' as of {as_of}' if as_of else ''}.")
    rows = (
        MetricSnapshot.objects.for_user(request.auth)
        .of(as_of=as_of, metric=metric, period=period)
        .filter(dimension=by)
        .order_by("position", "label", "key")
    )
    return {"metric": metric, "as_of": as_of, "by": by, "period": period, "rows": list(rows)}


class RecommendationOut(Schema):
    asset_id: str = Field(description="The asset's stable id, e.g. CS-0042")
    title: str
    url: str
    basis: Literal["lift", "tags"] = Field(description="lift: measured in the deal's segment; tags: tag relevance")
    score: Decimal | None = Field(description="Shrunk lift (win rate with minus without), for basis lift")
    explanation: str
    sample_size: int = Field(description="Closed deals in the segment on which the asset was shared")
    badge: str
    shared: bool = Field(description="Already shared on this deal")


class RecommendationsOut(Schema):
    deal_id: int
    as_of: date | None = Field(description="The telemetry snapshot the figures come from")
    items: list[RecommendationOut]
    why_nothing: str = Field(description="Why there is no recommendation, when items is empty")


@deal_router.get(
    "/{int:deal_id}/recommendations",
    response=RecommendationsOut,
    summary="Collateral recommended for an open deal, from the nightly content lift",
)
def deal_recommendations(request: PersonApiRequest, deal_id: int) -> dict[str, Any]:
    deal = get_object_or_404(Deal.objects.for_user(request.auth).select_related("account", "product"), pk=deal_id)
    recs = recommendations_for(deal)
    items = [
        {
            "asset_id": r.asset_id, "title": r.title, "url": r.url, "basis": r.basis, "score": r.score,
            "explanation": r.explanation, "sample_size": r.sample_size, "badge": r.badge, "shared": r.shared,
        }
        for r in recs.items
    ]  # fmt: skip
    return {"deal_id": deal.pk, "as_of": recs.as_of, "items": items, "why_nothing": recs.why_nothing}
