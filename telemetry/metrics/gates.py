"""Gate compliance: how deals meet the stage gates. Per rep and stage, per team and stage, and for
the organisation: forward moves, refused attempts (pipeline's RefusedMove), the criteria most
often missing at refusal, confirmations whose evidence is empty or shorter than
TELEMETRY_EVIDENCE_MIN_LENGTH, and the median time from entering a stage to confirming each of
its exit criteria (per criterion for the organisation, in the team rows for the team)."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from statistics import median
from typing import Any

from django.conf import settings
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Length

from pipeline.models import (
    FORWARD_EVENT,
    OPEN_STAGES,
    CriterionCheck,
    CriterionKind,
    DealStageChange,
    RefusedMove,
    Stage,
)
from telemetry.metrics.base import NO_TEAM_KEY, Row, Span, full_name, ratio
from telemetry.metrics.reps import _people
from telemetry.models import Dimension, Metric, Period

TOP_MISSING = 3


@dataclass
class Tally:
    moves: int = 0
    refused: int = 0
    missing: Counter = field(default_factory=Counter)
    checks: int = 0
    thin_evidence: int = 0
    # criterion text -> days from entering the stage to confirming it
    days: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def details(self) -> dict[str, Any]:
        medians = [[text, _median(values), len(values)] for text, values in sorted(self.days.items())]
        return {
            "moves": self.moves,
            "refused": self.refused,
            "attempts": self.moves + self.refused,
            "top_missing": [[text, count] for text, count in self.missing.most_common(TOP_MISSING)],
            "checks": self.checks,
            "thin_evidence": self.thin_evidence,
            "criteria_medians": medians,
        }


def _median(values: list[float]) -> str:
    return str(Decimal(median(values)).quantize(Decimal("0.01")))


def _moves(window: Span) -> list[Any]:
    """Forward moves out of each stage per deal owner and period: one query."""
    aggregates = {f"moves_{p}": Count("pk", filter=window.during(p, "at")) for p in Period.values}
    return list(
        DealStageChange.objects.filter(at__lt=window.end, from_stage__in=OPEN_STAGES, event__in=FORWARD_EVENT.values())
        .order_by()
        .values("deal__owner_id", "from_stage")
        .annotate(**aggregates)
    )


def _checks(window: Span) -> list[tuple[Any, ...]]:
    """Every confirmation before the end with the time its deal last entered the criterion's stage
    before it (NULL for an entry criterion, confirmed before the deal entered): one query."""
    entered = DealStageChange.objects.filter(
        deal_id=OuterRef("deal_id"), to_stage=OuterRef("criterion__stage"), at__lte=OuterRef("checked_at")
    ).order_by("-at", "-pk")
    return list(
        CriterionCheck.objects.filter(checked_at__lt=window.end)
        .annotate(entered=Subquery(entered.values("at")[:1]), evidence_length=Length("evidence"))
        .values_list("deal__owner_id", "criterion__stage", "criterion__kind", "criterion__text", "checked_at",
                     "entered", "evidence_length")
        .order_by()
    )  # fmt: skip


def _periods_of(window: Span, moment: datetime) -> list[str]:
    return [p for p in Period.values if window.starts[p] is None or moment >= window.starts[p]]  # type: ignore[operator]


def gate_compliance(window: Span) -> list[Row]:
    """Rows per (rep, stage) (dimension rep), (team, stage) (team), stage (stage) and exit
    criterion (criterion), for each period. Four queries."""
    moves, checks = _moves(window), _checks(window)
    refusals = list(
        RefusedMove.objects.filter(at__lt=window.end).values_list("deal__owner_id", "from_stage", "at", "missing")
    )
    people = _people({m["deal__owner_id"] for m in moves} | {c[0] for c in checks} | {r[0] for r in refusals})
    minimum = settings.TELEMETRY_EVIDENCE_MIN_LENGTH
    tallies: dict[tuple[str, str, str, str], Tally] = defaultdict(Tally)  # (dimension, key, stage, period)
    criteria: dict[tuple[str, str, str], list[float]] = defaultdict(list)  # (stage, text, period)

    def scopes(owner_id: int, stage: str) -> list[tuple[str, str, str]]:
        team_id = people[owner_id]["team_id"]
        return [(Dimension.REP, str(owner_id), stage), (Dimension.TEAM, str(team_id or NO_TEAM_KEY), stage),
                (Dimension.STAGE, stage, stage)]  # fmt: skip

    for group in moves:
        for period in Period.values:
            for scope in scopes(group["deal__owner_id"], group["from_stage"]):
                tallies[(*scope, period)].moves += group[f"moves_{period}"]
    for owner_id, stage, at, missing in refusals:
        for period in _periods_of(window, at):
            for scope in scopes(owner_id, stage):
                tally = tallies[(*scope, period)]
                tally.refused += 1
                tally.missing.update(item["text"] for item in missing)
    for owner_id, stage, kind, text, checked_at, entered, length in checks:
        for period in _periods_of(window, checked_at):
            days = (checked_at - entered).total_seconds() / 86400 if kind == CriterionKind.EXIT and entered else None
            for scope in scopes(owner_id, stage):
                tally = tallies[(*scope, period)]
                tally.checks += 1
                tally.thin_evidence += (length or 0) < minimum
                if days is not None:
                    tally.days[text].append(days)
            if days is not None:
                criteria[(stage, text, period)].append(days)
    return _tally_rows(tallies, people) + _criterion_rows(criteria)


def _tally_rows(tallies: dict[tuple[str, str, str, str], Tally], people: dict[int, dict[str, Any]]) -> list[Row]:
    rows = []
    for (dimension, key, stage, period), tally in tallies.items():
        details = {**tally.details(), "stage": stage, "stage_label": Stage(stage).label}
        if dimension == Dimension.REP:
            person = people[int(key)]
            label, team_id = full_name(person["first_name"], person["last_name"], person["username"]), person["team_id"]
            details["rep_id"] = person["id"]
        elif dimension == Dimension.TEAM:
            team_id = None if key == NO_TEAM_KEY else int(key)
            label = next((p["team__name"] for p in people.values() if p["team_id"] == team_id), None) or "No team"
        else:
            label, team_id = "Organisation", None
        attempts = tally.moves + tally.refused
        rows.append(
            Row(Metric.GATE_COMPLIANCE, period, dimension, key if dimension == Dimension.STAGE else f"{key}:{stage}",
                label, numerator=Decimal(tally.refused), denominator=Decimal(attempts),
                value=ratio(tally.refused, attempts), details=details, team_id=team_id,
                position=OPEN_STAGES.index(Stage(stage)), segment=stage)
        )  # fmt: skip
    return rows


def _criterion_rows(criteria: dict[tuple[str, str, str], list[float]]) -> list[Row]:
    rows = []
    for (stage, text, period), days in criteria.items():
        middle = Decimal(_median(days))
        rows.append(
            Row(Metric.GATE_COMPLIANCE, period, Dimension.CRITERION, f"{stage}:{text}"[:120], text,
                numerator=middle, denominator=Decimal(len(days)), value=middle,
                details={"stage": stage, "stage_label": Stage(stage).label, "confirmations": len(days),
                         "median_days": str(middle)},
                position=OPEN_STAGES.index(Stage(stage)), segment=stage)
        )  # fmt: skip
    return rows
