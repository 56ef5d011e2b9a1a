"""Hand-written SQL for each step of the nightly telemetry: the baseline each step is timed against.

One function per metric of telemetry.metrics.METRICS, computing the same numbers (the counts and
sums the step turns into snapshot rows) as plainly as a person would write them in SQL, and
returning the fetched rows. bench/telemetry.py times each step and its function in the same run.
Where the step itself is hand-written SQL (the funnel, the per-rep funnel), its own statement is
the baseline: the ratio is then the price of the Python around it.

Dates are compared in UTC (the benchmark's TIME_ZONE); periods come from the step's own Span.
"""

from collections.abc import Callable
from typing import Any

from django.db import connection

from pipeline.models import FORWARD_EVENT, OPEN_STAGES, Stage
from telemetry.metrics.base import Span
from telemetry.metrics.deals import _funnel_sql
from telemetry.metrics.reps import _funnel_sql as _rep_funnel_sql
from telemetry.models import Period

CLOSED = "('ClosedWon', 'ClosedLost')"


def _fetch(sql: str, params: list[Any]) -> list[tuple]:
    adapted = [connection.ops.adapt_datetimefield_value(p) if hasattr(p, "tzinfo") else p for p in params]
    with connection.cursor() as cursor:
        cursor.execute(sql, adapted)
        return cursor.fetchall()


def _per_period(span: Span, column: str, template: str) -> tuple[list[str], list[Any]]:
    """One column per period: `template` with {during} replaced by `column` in the period."""
    columns, params = [], []
    for period in Period.values:
        start = span.starts[period]
        columns.append(template.format(during=f"{column} >= %s" if start else "1 = 1"))
        params += [start] if start else []
    return columns, params


def win_rate(span: Span) -> list[tuple]:
    """Won and lost counts and amounts per period, for the five groupings of the step."""
    groupings = {
        "": "",
        "d.owner_id, u.first_name, u.last_name, u.username, u.team_id": "JOIN accounts_user u ON u.id = d.owner_id",
        "d.team_id, t.name": "LEFT JOIN accounts_team t ON t.id = d.team_id",
        "p.name": "LEFT JOIN pipeline_product p ON p.id = d.product_id",
        "d.team_id, t.name, p.name": "LEFT JOIN accounts_team t ON t.id = d.team_id "
        "LEFT JOIN pipeline_product p ON p.id = d.product_id",
    }
    rows = []
    for group, joins in groupings.items():
        columns, params = [], []
        for template in (
            "COUNT(CASE WHEN {during} AND d.stage = 'ClosedWon' THEN 1 END)",
            "COUNT(CASE WHEN {during} AND d.stage = 'ClosedLost' THEN 1 END)",
            "SUM(CASE WHEN {during} AND d.stage = 'ClosedWon' THEN d.amount END)",
            "SUM(CASE WHEN {during} AND d.stage = 'ClosedLost' THEN d.amount END)",
        ):
            more, more_params = _per_period(span, "d.closed_at", template)
            columns += more
            params += more_params
        select = f"{group}, " if group else ""
        sql = (
            f"SELECT {select}{', '.join(columns)} FROM pipeline_deal d {joins} "  # noqa: S608
            f"WHERE d.stage IN {CLOSED} AND d.closed_at < %s" + (f" GROUP BY {group}" if group else "")
        )
        rows += _fetch(sql, [*params, span.end])
    return rows


def stage_funnel(span: Span) -> list[tuple]:
    sql, _names, params = _funnel_sql(span)
    return _fetch(sql, params)


def _periods_cte(span: Span) -> tuple[str, list[Any]]:
    cast = "CAST(%s AS timestamptz)" if connection.vendor == "postgresql" else "%s"
    values, params = [], []
    for period in Period.values:
        start = span.starts[period]
        values.append(f"('{period}', {cast if start else 'NULL'})")
        params += [start] if start else []
    return f"periods(period, start) AS (VALUES {', '.join(values)})", params


def sales_cycle(span: Span) -> list[tuple]:
    """Count, total and the one or two middle cycles per period and outcome, organisation and per team."""
    cycle = (
        "(d.closed_at - d.created_at)"
        if connection.vendor == "postgresql"
        else "(julianday(d.closed_at) - julianday(d.created_at))"
    )
    periods, params = _periods_cte(span)
    rows = []
    for partition in ("p.period, d.stage", "p.period, d.stage, d.team_id"):
        window = f"PARTITION BY {partition}"
        sql = f"""
            WITH {periods}
            SELECT * FROM (
                SELECT {partition}, {cycle} AS cycle,
                       ROW_NUMBER() OVER ({window} ORDER BY {cycle}, d.id) AS rank,
                       COUNT(*) OVER ({window}) AS size, SUM({cycle}) OVER ({window}) AS total
                FROM pipeline_deal d JOIN periods p ON p.start IS NULL OR d.closed_at >= p.start
                WHERE d.stage IN {CLOSED} AND d.closed_at < %s
            ) ranked WHERE rank IN ((size + 1) / 2, (size + 2) / 2)
        """  # noqa: S608
        rows += _fetch(sql, [*params, span.end])
    return rows


def _month(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column} AT TIME ZONE 'UTC') AS date)"
    return f"date({column}, 'start of month')"


def time_to_ramp(span: Span) -> list[tuple]:
    """Each rep's first month whose closed-won amount reached the month's quota (threshold 100 %)."""
    sql = f"""
        SELECT w.owner_id, MIN(w.month) FROM (
            SELECT owner_id, {_month("closed_at")} AS month, SUM(amount) AS won FROM pipeline_deal
            WHERE stage = 'ClosedWon' AND closed_at < %s GROUP BY owner_id, {_month("closed_at")}
        ) w JOIN pipeline_quota q ON q.rep_id = w.owner_id AND q.month = w.month
        WHERE q.amount > 0 AND q.month <= %s AND w.won >= q.amount GROUP BY w.owner_id
    """  # noqa: S608
    people = _fetch("SELECT id, first_name, last_name, username, team_id, start_date FROM accounts_user", [])
    return people + _fetch(sql, [span.end, span.as_of])


def quota_attainment(span: Span) -> list[tuple]:
    """Quota sums and closed-won sums per rep and period."""
    as_of_month = span.as_of.replace(day=1)
    quotas, quota_params = [], []
    for period in Period.values:
        first = span.first_months[period]
        quotas.append("SUM(CASE WHEN month <= %s" + (" AND month >= %s" if first else "") + " THEN amount END)")
        quota_params += [as_of_month, first] if first else [as_of_month]
    won, won_params = _per_period(span, "closed_at", "SUM(CASE WHEN {during} THEN amount END)")
    return _fetch(
        f"SELECT rep_id, {', '.join(quotas)} FROM pipeline_quota GROUP BY rep_id",  # noqa: S608
        quota_params,
    ) + _fetch(
        f"SELECT owner_id, {', '.join(won)} FROM pipeline_deal "  # noqa: S608
        "WHERE stage = 'ClosedWon' AND closed_at < %s GROUP BY owner_id",
        [*won_params, span.end],
    )


def content_usage(span: Span) -> list[tuple]:
    """Uses by kind and distinct deals per version and period (titles joined after counting); per asset,
    distinct deals and the closed and won deals it was used on before they closed; closed totals."""
    kinds = []
    params: list[Any] = []
    for kind in ("view", "download", "share"):
        more, more_params = _per_period(
            span, "created_at", f"COUNT(CASE WHEN {{during}} AND kind = '{kind}' THEN 1 END)"
        )
        kinds += more
        params += more_params
    deals, deal_params = _per_period(span, "created_at", "COUNT(DISTINCT CASE WHEN {during} THEN deal_id END)")
    versions = _fetch(
        f"""SELECT u.*, a.asset_id, a.title, v.version FROM (
                SELECT asset_id, version_id, {", ".join(kinds + deals)} FROM collateral_assetusage
                WHERE created_at < %s GROUP BY asset_id, version_id
            ) u JOIN collateral_asset a ON a.id = u.asset_id
            LEFT JOIN collateral_assetversion v ON v.id = u.version_id""",  # noqa: S608
        [*params, *deal_params, span.end],
    )
    used, used_params = _per_period(span, "u.created_at", "COUNT(DISTINCT CASE WHEN {during} THEN u.deal_id END)")
    before_close = f"d.stage IN {CLOSED} AND u.created_at <= d.closed_at AND d.closed_at < %s"
    closed, won = [], []
    closed_params: list[Any] = []
    won_params: list[Any] = []
    for period in Period.values:
        start = span.starts[period]
        during = f"{before_close} AND d.closed_at >= %s" if start else before_close
        closed.append(f"COUNT(DISTINCT CASE WHEN {during} THEN u.deal_id END)")
        won.append(f"COUNT(DISTINCT CASE WHEN {during} AND d.stage = 'ClosedWon' THEN u.deal_id END)")
        for columns_params in (closed_params, won_params):
            columns_params += [span.end, start] if start else [span.end]
    assets = _fetch(
        f"SELECT u.asset_id, {', '.join(used + closed + won)} FROM collateral_assetusage u "  # noqa: S608
        "LEFT JOIN pipeline_deal d ON d.id = u.deal_id WHERE u.created_at < %s GROUP BY u.asset_id",
        [*used_params, *closed_params, *won_params, span.end],
    )
    totals, total_params = _per_period(span, "closed_at", "COUNT(CASE WHEN {during} THEN 1 END)")
    wins, win_params = _per_period(span, "closed_at", "COUNT(CASE WHEN {during} AND stage = 'ClosedWon' THEN 1 END)")
    return (
        versions
        + assets
        + _fetch(
            f"SELECT {', '.join(totals + wins)} FROM pipeline_deal "  # noqa: S608
            f"WHERE stage IN {CLOSED} AND closed_at < %s",
            [*total_params, *win_params, span.end],
        )
    )


def lead_funnel(span: Span) -> list[tuple]:
    """Leads received, leads with each event, and rejections per reason set, per integration."""
    return (
        _fetch(
            "SELECT integration_id, COUNT(*) FROM leads_lead WHERE received_at < %s GROUP BY integration_id", [span.end]
        )
        + _fetch(
            "SELECT l.integration_id, e.kind, COUNT(DISTINCT e.lead_id) FROM leads_leadevent e "
            "JOIN leads_lead l ON l.id = e.lead_id WHERE e.at < %s GROUP BY l.integration_id, e.kind",
            [span.end],
        )
        + _fetch(
            "SELECT integration_id, reasons, COUNT(*) FROM leads_leadrejection WHERE received_at < %s "
            "GROUP BY integration_id, reasons",
            [span.end],
        )
    )


def content_lift(span: Span) -> list[tuple]:
    """Closed and won deals per segment columns and period; the same per asset shared before closing."""
    closed, won = [], []
    params: list[Any] = []
    for period in ("year", "all"):
        start = span.starts[period]
        during = "d.closed_at >= %s" if start else "1 = 1"
        closed.append(f"COUNT(DISTINCT CASE WHEN {during} THEN d.id END)")
        won.append(f"COUNT(DISTINCT CASE WHEN {during} AND d.stage = 'ClosedWon' THEN d.id END)")
        params += [start] if start else []
    counts = ", ".join(c for pair in zip(closed, won, strict=True) for c in pair)
    doubled = [p for p in params for _ in (0, 1)]
    segment = "a.industry, p.name, d.stage, d.lost_at_stage"
    joins = "JOIN pipeline_account a ON a.id = d.account_id LEFT JOIN pipeline_product p ON p.id = d.product_id"
    deals = _fetch(
        f"SELECT {segment}, {counts} FROM pipeline_deal d {joins} "  # noqa: S608
        f"WHERE d.stage IN {CLOSED} AND d.closed_at < %s GROUP BY {segment}",
        [*doubled, span.end],
    )
    shared = _fetch(
        f"SELECT u.asset_id, s.title, s.asset_id, {segment}, {counts} FROM collateral_assetusage u "  # noqa: S608
        f"JOIN collateral_asset s ON s.id = u.asset_id JOIN pipeline_deal d ON d.id = u.deal_id {joins} "
        f"WHERE u.kind = 'share' AND d.stage IN {CLOSED} AND d.closed_at < %s AND u.created_at <= d.closed_at "
        f"GROUP BY u.asset_id, s.title, s.asset_id, {segment}",
        [*doubled, span.end],
    )
    return deals + shared


def rep_funnel(span: Span) -> list[tuple]:
    sql, params = _rep_funnel_sql(span)
    return _fetch(sql, params) + _fetch("SELECT id, first_name, last_name, username, team_id FROM accounts_user", [])


def readiness(span: Span) -> list[tuple]:
    """Active reps, the modules of their enrolments, and their module progress."""
    return (
        _fetch("SELECT id, first_name, last_name, username, team_id FROM accounts_user WHERE role = 'rep'", [])
        + _fetch(
            "SELECT e.user_id, pm.module_id, e.due_date FROM training_enrollment e "
            "LEFT JOIN training_programmodule pm ON pm.program_id = e.program_id WHERE e.enrolled_at < %s",
            [span.end],
        )
        + _fetch(
            "SELECT user_id, module_id, completed_at, best_score FROM training_moduleprogress WHERE started_at < %s",
            [span.end],
        )
    )


def gate_compliance(span: Span) -> list[tuple]:
    """Forward moves per deal owner, stage and period; refusals; confirmations with their stage's entry."""
    forward = ", ".join(f"'{event}'" for event in FORWARD_EVENT.values())
    open_stages = ", ".join(f"'{stage}'" for stage in OPEN_STAGES)
    moves, params = _per_period(span, "c.at", "COUNT(CASE WHEN {during} THEN 1 END)")
    return (
        _fetch(
            f"SELECT d.owner_id, c.from_stage, {', '.join(moves)} FROM pipeline_dealstagechange c "  # noqa: S608
            f"JOIN pipeline_deal d ON d.id = c.deal_id WHERE c.at < %s AND c.from_stage IN ({open_stages}) "
            f"AND c.event IN ({forward}) GROUP BY d.owner_id, c.from_stage",
            [*params, span.end],
        )
        + _fetch(
            "SELECT d.owner_id, r.from_stage, r.at, r.missing FROM pipeline_refusedmove r "
            "JOIN pipeline_deal d ON d.id = r.deal_id WHERE r.at < %s",
            [span.end],
        )
        + _fetch(
            "SELECT d.owner_id, k.checked_at, (SELECT MAX(c.at) FROM pipeline_dealstagechange c "
            "WHERE c.deal_id = k.deal_id AND c.to_stage = s.stage AND c.at <= k.checked_at), LENGTH(k.evidence) "
            "FROM pipeline_criterioncheck k JOIN pipeline_deal d ON d.id = k.deal_id "
            "JOIN pipeline_stagecriterion s ON s.id = k.criterion_id WHERE k.checked_at < %s",
            [span.end],
        )
    )


def _called_in(span: Span, column: str, template: str) -> tuple[list[str], list[Any]]:
    """As `_per_period`, for a call's date (a date column, from the period's first day)."""
    columns, params = [], []
    for period in Period.values:
        first = span.first_months[period]
        columns.append(template.format(during=f"{column} >= %s" if first else "1 = 1"))
        params += [first] if first else []
    return columns, params


def call_habits(span: Span) -> list[tuple]:
    """Per rep and period: calls linted and the averages of their habits; findings per rep and period."""
    columns, params = _called_in(span, "l.call_date", "COUNT(CASE WHEN {during} THEN 1 END)")
    for field in (
        "rep_talk_percent", "longest_monologue_seconds", "questions", "fillers_per_minute", "longest_story_seconds"
    ):  # fmt: skip
        more, more_params = _called_in(span, "l.call_date", f"AVG(CASE WHEN {{during}} THEN l.{field} END)")
        columns += more
        params += more_params
    findings, finding_params = _called_in(span, "l.call_date", "COUNT(CASE WHEN {during} THEN 1 END)")
    return _fetch(
        f"SELECT l.rep_id, u.first_name, u.last_name, u.username, u.team_id, {', '.join(columns)} "  # noqa: S608
        "FROM training_calllint l JOIN accounts_user u ON u.id = l.rep_id WHERE l.call_date <= %s "
        "GROUP BY l.rep_id, u.first_name, u.last_name, u.username, u.team_id",
        [*params, span.as_of],
    ) + _fetch(
        f"SELECT l.rep_id, {', '.join(findings)} FROM training_finding f "  # noqa: S608
        "JOIN training_calllint l ON l.id = f.lint_id WHERE l.call_date <= %s GROUP BY l.rep_id",
        [*finding_params, span.as_of],
    )


def call_trackers(span: Span) -> list[tuple]:
    """Closed and won deals with linted calls per period; the same per tracker hit on their calls."""
    counts, params = [], []
    for period in ("year", "all"):
        start = span.starts[period]
        during = "d.closed_at >= %s" if start else "1 = 1"
        counts += [
            f"COUNT(DISTINCT CASE WHEN {during} THEN d.id END)",
            f"COUNT(DISTINCT CASE WHEN {during} AND d.stage = 'ClosedWon' THEN d.id END)",
        ]
        params += [start, start] if start else []
    deals = "JOIN training_callreview r ON r.id = l.review_id JOIN pipeline_deal d ON d.id = r.deal_id"
    closed = f"d.stage IN {CLOSED} AND d.closed_at < %s"
    return _fetch(
        f"SELECT {', '.join(counts)} FROM training_calllint l {deals} WHERE {closed}",  # noqa: S608
        [*params, span.end],
    ) + _fetch(
        f"SELECT h.tracker_id, t.name, {', '.join(counts)} FROM training_trackerhit h "  # noqa: S608
        f"JOIN training_tracker t ON t.id = h.tracker_id JOIN training_calllint l ON l.id = h.lint_id {deals} "
        f"WHERE {closed} GROUP BY h.tracker_id, t.name",
        [*params, span.end],
    )


HAND_WRITTEN: dict[str, Callable[[Span], list[tuple]]] = {
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
assert Stage.CLOSED_WON == "ClosedWon" and Stage.CLOSED_LOST == "ClosedLost"
