"""Metrics per rep: each rep's funnel beside their team's and the organisation's, and readiness
(training) beside results."""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import connection

from accounts.models import Role, User
from pipeline.models import NEXT_STAGE, OPEN_STAGES, Deal, DealStageChange, Stage
from telemetry.metrics.base import NO_TEAM_KEY, Row, Span, full_name, ratio
from telemetry.models import Dimension, Metric, Period
from training.models import Enrollment, ModuleProgress

# ---------------------------------------------------------------------------
# Per-rep funnel
# ---------------------------------------------------------------------------


def _funnel_sql(window: Span) -> tuple[str, list[Any]]:
    """Per deal owner and open stage: distinct deals that reached the stage in each period, and
    those of them whose next history row moved them on to the next stage.

    LEAD over each deal's history gives the row after each arrival (one sort, as the funnel by
    stage); COUNT(DISTINCT deal) makes a stage reached twice (after a move back) count once.
    Written in SQL because the ORM cannot group rows annotated with a window function.
    """
    changes, deals = DealStageChange._meta.db_table, Deal._meta.db_table
    forward = " ".join(f"WHEN '{stage}' THEN '{after}'" for stage, after in NEXT_STAGE.items())
    columns, params = [], []
    for period in Period.values:
        start = window.starts[period]
        during = "c.at >= %s" if start else "1 = 1"
        columns.append(f"COUNT(DISTINCT CASE WHEN {during} THEN c.deal_id END) AS reached_{period}")
        columns.append(
            f"COUNT(DISTINCT CASE WHEN {during} AND c.next_stage = (CASE c.to_stage {forward} END) "
            f"THEN c.deal_id END) AS moved_{period}"
        )
        params += [start, start] if start else []
    open_stages = ", ".join(f"'{stage}'" for stage in OPEN_STAGES)
    sql = f"""
        WITH c AS (
            SELECT deal_id, to_stage, at,
                   LEAD(to_stage) OVER (PARTITION BY deal_id ORDER BY at, id) AS next_stage
            FROM {changes} WHERE at < %s
        )
        SELECT d.owner_id, c.to_stage, {", ".join(columns)}
        FROM c JOIN {deals} d ON d.id = c.deal_id
        WHERE c.to_stage IN ({open_stages})
        GROUP BY d.owner_id, c.to_stage
    """  # noqa: S608 (only our own table names and stage values are interpolated)
    # Adapted as the ORM would: SQLite compares stored datetimes as text in its own format, and an
    # aware datetime's own text ("…+00:00") sorts after a row stored at that very instant.
    return sql, [connection.ops.adapt_datetimefield_value(value) for value in [window.end, *params]]


def rep_funnel_groups(window: Span) -> list[dict[str, Any]]:
    """One dict per (owner_id, to_stage) with reached_<period> and moved_<period>: one query."""
    sql, params = _funnel_sql(window)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def _people(ids: set[int]) -> dict[int, dict[str, Any]]:
    fields = ["id", "first_name", "last_name", "username", "team_id", "team__name"]
    return {person["id"]: person for person in User.objects.filter(pk__in=ids).values(*fields)}


def rep_funnel(window: Span) -> list[Row]:
    """Per rep and open stage: deals that reached it in the period and moved on from it, with the
    rep's team's and the organisation's counts and rates in the row's details; plus the team rows
    (dimension team) and the organisation's (dimension stage). Two queries."""
    groups = rep_funnel_groups(window)
    people = _people({group["owner_id"] for group in groups})
    team_sums: dict[tuple[Any, str, str], list[int]] = defaultdict(lambda: [0, 0])
    org_sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for group in groups:
        team_id = people[group["owner_id"]]["team_id"]
        for period in Period.values:
            for sums in (team_sums[(team_id, group["to_stage"], period)], org_sums[(group["to_stage"], period)]):
                sums[0] += group[f"reached_{period}"]
                sums[1] += group[f"moved_{period}"]
    rows = []
    for group in groups:
        person, stage = people[group["owner_id"]], group["to_stage"]
        name = full_name(person["first_name"], person["last_name"], person["username"])
        for period in Period.values:
            reached, moved = group[f"reached_{period}"], group[f"moved_{period}"]
            if not reached:
                continue
            team_reached, team_moved = team_sums[(person["team_id"], stage, period)]
            org_reached, org_moved = org_sums[(stage, period)]
            details = {
                "rep_id": person["id"], "stage": stage, "reached": reached, "moved_on": moved,
                "team_reached": team_reached, "team_moved_on": team_moved,
                "team_rate": _text(ratio(team_moved, team_reached)),
                "org_reached": org_reached, "org_moved_on": org_moved,
                "org_rate": _text(ratio(org_moved, org_reached)),
            }  # fmt: skip
            rows.append(_row(Dimension.REP, f"{person['id']}:{stage}", name, stage, period, (moved, reached), details,
                             team_id=person["team_id"]))  # fmt: skip
    teams = {p["team_id"]: p["team__name"] for p in people.values()}
    for (team_id, stage, period), (reached, moved) in team_sums.items():
        if reached:
            key = f"{team_id if team_id else NO_TEAM_KEY}:{stage}"
            details = {"stage": stage, "reached": reached, "moved_on": moved}
            rows.append(_row(Dimension.TEAM, key, teams.get(team_id) or "No team", stage, period, (moved, reached),
                             details, team_id=team_id))  # fmt: skip
    for (stage, period), (reached, moved) in org_sums.items():
        if reached:
            details = {"stage": stage, "reached": reached, "moved_on": moved}
            rows.append(_row(Dimension.STAGE, stage, "Organisation", stage, period, (moved, reached), details))
    return rows


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _row(
    dimension: str,
    key: str,
    label: str,
    stage: str,
    period: str,
    counts: tuple[int, int],
    details: dict[str, Any],
    *,
    team_id: int | None = None,
) -> Row:
    moved, reached = counts
    return Row(
        Metric.REP_FUNNEL,
        period,
        dimension,
        key,
        label,
        numerator=Decimal(moved),
        denominator=Decimal(reached),
        value=ratio(moved, reached),
        details={**details, "stage_label": Stage(stage).label},
        team_id=team_id,
        position=OPEN_STAGES.index(Stage(stage)),
        segment=stage,
    )


# ---------------------------------------------------------------------------
# Readiness: training beside results
# ---------------------------------------------------------------------------


def readiness(window: Span) -> list[Row]:
    """Per active rep, as of the window's end: modules completed of those in their enrolments
    (the value), average best quiz score, and modules of enrolments past due not yet completed.
    Win rate and time to ramp are their own metrics' rows, shown beside these. Three queries.
    Period-less (stored under "all"): training is a state, not a count over a period.
    """
    reps = list(
        User.objects.filter(role=Role.REP, is_active=True).values(
            "id", "first_name", "last_name", "username", "team_id"
        )
    )
    assigned: dict[int, dict[int, Any]] = defaultdict(dict)
    enrolments = Enrollment.objects.filter(enrolled_at__lt=window.end).values_list(
        "user_id", "program__program_modules__module_id", "due_date"
    )
    for user_id, module_id, due in enrolments:
        if module_id is not None:
            # A module in two enrolments is due at the earlier date.
            assigned[user_id][module_id] = min(due, assigned[user_id].get(module_id, due))
    completed: dict[int, set[int]] = defaultdict(set)
    scores: dict[int, list[int]] = defaultdict(list)
    progress = ModuleProgress.objects.filter(started_at__lt=window.end).values_list(
        "user_id", "module_id", "completed_at", "best_score"
    )
    for user_id, module_id, completed_at, best in progress:
        if completed_at is not None and completed_at < window.end:
            completed[user_id].add(module_id)
        if best is not None:
            scores[user_id].append(best)
    rows = []
    for rep in reps:
        modules, done = assigned.get(rep["id"], {}), completed.get(rep["id"], set())
        done_assigned = len(done & set(modules))
        overdue = sum(1 for module_id, due in modules.items() if due < window.as_of and module_id not in done)
        rep_scores = scores.get(rep["id"], [])
        average = (Decimal(sum(rep_scores)) / len(rep_scores)).quantize(Decimal("0.1")) if rep_scores else None
        details = {
            "modules_assigned": len(modules), "modules_completed": done_assigned, "overdue_modules": overdue,
            "average_best_score": None if average is None else str(average), "quiz_modules": len(rep_scores),
        }  # fmt: skip
        rows.append(
            Row(
                Metric.READINESS,
                Period.ALL,
                Dimension.REP,
                str(rep["id"]),
                full_name(rep["first_name"], rep["last_name"], rep["username"]),
                numerator=Decimal(done_assigned),
                denominator=Decimal(len(modules)),
                value=ratio(done_assigned, len(modules)),
                details=details,
                team_id=rep["team_id"],
            )
        )
    return rows
