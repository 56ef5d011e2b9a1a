"""The metric definitions (README, "Telemetry") as pure query functions.

Each function takes a `Span` (the as-of day and the periods ending on it) and returns
snapshot rows. Each runs a fixed number of SQL queries whatever the number of deals: the
counting and summing happen in the database (conditional aggregates, one column per
period, window functions for medians); Python only shapes the aggregated rows.
"""

from collections.abc import Callable

from telemetry.metrics.base import Row, Span
from telemetry.metrics.calls import call_habits, call_trackers
from telemetry.metrics.content import content_usage
from telemetry.metrics.deals import sales_cycle, stage_funnel, win_rate, win_rate_groups
from telemetry.metrics.gates import gate_compliance
from telemetry.metrics.leads import lead_funnel
from telemetry.metrics.people import quota_attainment, ramp_threshold, time_to_ramp
from telemetry.metrics.reps import readiness, rep_funnel
from telemetry.metrics.segments import content_lift

__all__ = [
    "METRICS",
    "Row",
    "Span",
    "call_habits",
    "call_trackers",
    "content_lift",
    "content_usage",
    "gate_compliance",
    "lead_funnel",
    "quota_attainment",
    "ramp_threshold",
    "readiness",
    "rep_funnel",
    "sales_cycle",
    "stage_funnel",
    "time_to_ramp",
    "win_rate",
    "win_rate_groups",
]

# The order the recomputation runs them in; each takes the window and returns rows.
METRICS: dict[str, Callable[[Span], list[Row]]] = {
    "win_rate": win_rate,
    "stage_funnel": stage_funnel,
    "sales_cycle": sales_cycle,
    "time_to_ramp": time_to_ramp,
    "quota_attainment": quota_attainment,
    "content_usage": content_usage,
    "lead_funnel": lead_funnel,
    "content_lift": content_lift,
    "rep_funnel": rep_funnel,
    "readiness": readiness,
    "gate_compliance": gate_compliance,
    "call_habits": call_habits,
    "call_trackers": call_trackers,
}
