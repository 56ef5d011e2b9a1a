"""Metrics of marketing's leads: the lead funnel per integration, and rejections by reason."""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q

from leads.models import Integration, Lead, LeadEvent, LeadRejection, primary_reason, rejection_reason_label
from telemetry.metrics.base import Row, Span, ratio
from telemetry.models import Dimension, Metric, Period

STEPS = [LeadEvent.Kind.ACCEPTED, LeadEvent.Kind.RETURNED, LeadEvent.Kind.CONVERTED]


def lead_funnel(window: Span) -> list[Row]:
    """Per integration and period: MQLs received (stored plus rejected), rejected, accepted,
    returned and converted (leads with that event in the period); the value is the share of
    received MQLs converted. Rejections also by reason: each rejection counts once, under its
    primary reason (`leads.models.primary_reason`), so the shares add up to 100 %.
    Four queries: integrations, stored leads, lead events, rejections per reason set.
    """
    names = dict(Integration.objects.values_list("pk", "name"))
    stored: dict[int, Mapping[str, Any]] = {
        g["integration_id"]: g
        for g in Lead.objects.filter(received_at__lt=window.end)
        .order_by()
        .values("integration_id")
        .annotate(**{f"stored_{p}": Count("pk", filter=window.during(p, "received_at")) for p in Period.values})
    }
    step_counts = {
        f"{kind}_{period}": Count("lead", distinct=True, filter=window.during(period, "at") & Q(kind=kind))
        for kind in STEPS
        for period in Period.values
    }
    events: dict[int, Mapping[str, Any]] = {
        g["lead__integration_id"]: g
        for g in LeadEvent.objects.filter(at__lt=window.end, kind__in=STEPS)
        .order_by()
        .values("lead__integration_id")
        .annotate(**step_counts)
    }
    rejected: dict[tuple[int, str], int] = defaultdict(int)
    reasons: dict[tuple[int, str, str], int] = defaultdict(int)
    rejection_sets: Iterable[Mapping[str, Any]] = (
        LeadRejection.objects.filter(received_at__lt=window.end)
        .order_by()
        .values("integration_id", "reasons")
        .annotate(**{f"n_{p}": Count("pk", filter=window.during(p, "received_at")) for p in Period.values})
    )
    for group in rejection_sets:
        for period in Period.values:
            rejected[(group["integration_id"], period)] += group[f"n_{period}"]
            reasons[(group["integration_id"], period, primary_reason(group["reasons"]))] += group[f"n_{period}"]

    rows: list[Row] = []
    for position, (integration_id, name) in enumerate(sorted(names.items(), key=lambda item: item[1])):
        for period in Period.values:
            refused = rejected[(integration_id, period)]
            received = stored.get(integration_id, {}).get(f"stored_{period}", 0) + refused
            if not received:
                continue
            steps = {kind: events.get(integration_id, {}).get(f"{kind}_{period}", 0) for kind in STEPS}
            details = {"received": received, "rejected": refused, **{str(k): v for k, v in steps.items()}}
            rows.append(
                Row(
                    Metric.LEAD_FUNNEL,
                    period,
                    Dimension.INTEGRATION,
                    str(integration_id),
                    name,
                    numerator=Decimal(steps[LeadEvent.Kind.CONVERTED]),
                    denominator=Decimal(received),
                    value=ratio(steps[LeadEvent.Kind.CONVERTED], received),
                    details=details,
                    position=position,
                )
            )
    for (integration_id, period, reason), count in sorted(reasons.items()):
        if count:
            total = rejected[(integration_id, period)]
            rows.append(
                Row(
                    Metric.LEAD_FUNNEL,
                    period,
                    Dimension.REASON,
                    f"{integration_id}:{reason}",
                    f"{names.get(integration_id, integration_id)}: {rejection_reason_label(reason)}",
                    numerator=Decimal(count),
                    denominator=Decimal(total),
                    value=ratio(count, total),
                )
            )
    return rows
