"""The gate-compliance report's reads: the stored gate_compliance rows `user` may see."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from accounts.models import User
from enablement_portal.csv import Cell
from telemetry.models import Dimension, Metric, MetricSnapshot


@dataclass
class GateReport:
    as_of: date | None
    period: str
    stages: list[MetricSnapshot] = field(default_factory=list)  # the organisation, per stage
    teams: list[MetricSnapshot] = field(default_factory=list)  # the manager's team (admins: every team)
    reps: list[MetricSnapshot] = field(default_factory=list)
    criteria: list[MetricSnapshot] = field(default_factory=list)

    @property
    def org_by_stage(self) -> dict[str, MetricSnapshot]:
        return {row.segment: row for row in self.stages}


def gate_report_for(user: User, *, as_of: date | None, period: str) -> GateReport:
    """One query: the rows of one snapshot and period, as MetricSnapshot.for_user lets `user` see."""
    report = GateReport(as_of=as_of, period=period)
    if as_of is None:
        return report
    rows = (
        MetricSnapshot.objects.for_user(user)
        .of(as_of=as_of, metric=Metric.GATE_COMPLIANCE, period=period)
        .order_by("dimension", "label", "position", "key")
    )
    lists = {Dimension.STAGE: report.stages, Dimension.TEAM: report.teams, Dimension.REP: report.reps,
             Dimension.CRITERION: report.criteria}  # fmt: skip
    for row in rows:
        lists[Dimension(row.dimension)].append(row)
    for rows_of_one_kind in lists.values():
        rows_of_one_kind.sort(key=lambda row: (row.label, row.position))
    report.criteria.sort(key=lambda row: (row.position, row.label))
    report.stages.sort(key=lambda row: row.position)
    # The organisation's row of the same stage, shown beside each team row.
    org = report.org_by_stage
    for row in report.teams:
        row.org = org.get(row.segment)  # type: ignore[attr-defined]
    return report


CSV_HEADER = ["scope", "name", "stage", "moves", "refused", "attempts", "refused_share", "top_missing",
              "checks", "thin_evidence", "criteria_medians_days"]  # fmt: skip


def gate_csv_rows(report: GateReport) -> list[list[Cell]]:
    def line(scope: str, row: MetricSnapshot) -> list[Cell]:
        d: dict[str, Any] = row.details
        missing = "; ".join(f"{text} ({count})" for text, count in d["top_missing"])
        medians = "; ".join(f"{text}: {days} ({n})" for text, days, n in d["criteria_medians"])
        return [scope, row.label, d["stage_label"], d["moves"], d["refused"], d["attempts"], row.value, missing,
                d["checks"], d["thin_evidence"], medians]  # fmt: skip

    return (
        [line("organisation", row) for row in report.stages]
        + [line("team", row) for row in report.teams]
        + [line("rep", row) for row in report.reps]
    )
