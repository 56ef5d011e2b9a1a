"""Telemetry's reads: the stored snapshot as tables and charts, each in a fixed number of queries."""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from accounts.models import User
from accounts.rules import is_enablement_admin
from enablement_portal.csv import Cell
from enablement_portal.money import format_money
from telemetry.metrics.base import Span
from telemetry.metrics.segments import LIFT_PERIODS
from telemetry.models import (
    PERIODLESS_METRICS,
    Dimension,
    Metric,
    MetricSnapshot,
    MetricSnapshotQuerySet,
    Period,
    RunStatus,
    TelemetryRun,
)

# The deal list of branch `deals` (name pipeline:deal_list), linked by path so that this module
# does not depend on the URL existing yet.
DEAL_LIST_PATH = "/pipeline/deals/"


@dataclass(frozen=True)
class Column:
    title: str
    source: str  # "label", "numerator", "denominator", "value", "details.<name>"
    kind: str = "number"  # number, percent, days, money, text
    missing: str = "—"  # what an undefined value reads as
    # What the count's deals are, for the drill-down link to the deal list: "won", "closed",
    # "reached" (the row's stage); "" for no link.
    drill: str = ""


@dataclass
class Table:
    """One table of the dashboard: a metric along a dimension, downloadable as CSV."""

    slug: str
    title: str
    metric: str
    dimension: str
    columns: list[Column]
    chart: str = ""  # "bar", "horizontal" or "" (no chart)
    chart_series: list[tuple[str, str]] = field(default_factory=list)  # (legend, source)
    empty: str = "No data for this period."
    # "team": rows of one team each (a manager sees their own team's only); "org": the organisation.
    scope: str = "org"
    # The organisation's row shown beside each row, as (metric, dimension, how rows match):
    # "total" (the one overall row), "segment" (same segment), "label" (same label),
    # "outcome" (the part of the key after the team). Columns read it as "org.<field>".
    beside: tuple[str, str, str] | None = None
    # Other metrics' rows of the same key, read by columns as "join.<name>.<field>".
    joins: dict[str, tuple[str, str]] = field(default_factory=dict)
    # How a row's key names the deals it counts, for drill-down: "owner", "team" or "all".
    drill_scope: str = ""
    rows: list[MetricSnapshot] = field(default_factory=list)
    links: list[list[str]] = field(default_factory=list)  # per row, per column: a URL or ""

    def cells(self, row: MetricSnapshot) -> list[str]:
        return [display(cell_value(row, column.source), column.kind) or column.missing for column in self.columns]

    @property
    def body(self) -> list[list[tuple[str, str]]]:
        """Per row, per column: (text, drill-down URL or "")."""
        links = self.links or [[""] * len(self.columns) for _ in self.rows]
        return [
            list(zip(self.cells(row), row_links, strict=True)) for row, row_links in zip(self.rows, links, strict=True)
        ]

    @property
    def chart_data(self) -> list[dict]:
        kinds = {column.source: column.kind for column in self.columns}
        return [
            {
                "label": legend + (" (%)" if kinds.get(source) == "percent" else ""),
                "data": [
                    chart_number(cell_value(row, source), percent=kinds.get(source) == "percent") for row in self.rows
                ],
            }
            for legend, source in self.chart_series
        ]

    @property
    def has_chart(self) -> bool:
        """A chart is drawn only when it has a number to show (not for a column of "not yet ramped")."""
        return bool(self.chart) and any(v is not None for d in self.chart_data for v in d["data"])

    @property
    def chart_json(self) -> str:
        spec = {"type": self.chart, "labels": [row.label for row in self.rows], "datasets": self.chart_data}
        return json.dumps(spec)


def cell_value(row: MetricSnapshot | None, source: str) -> Any:
    if row is None:
        return None
    if source.startswith("org."):
        return cell_value(getattr(row, "org", None), source.removeprefix("org."))
    if source.startswith("join."):
        name, rest = source.removeprefix("join.").split(".", 1)
        return cell_value(getattr(row, "joined", {}).get(name), rest)
    if source.startswith("details."):
        return row.details.get(source.removeprefix("details."))
    return getattr(row, source)


def display(value: object, kind: str) -> str:
    if value is None or value == "None":
        return ""
    if kind == "text":
        return str(value)
    number = Decimal(str(value))
    if kind == "percent":
        return f"{number * 100:.1f}%"
    if kind == "money":
        return format_money(number)
    if kind == "ratio":
        return f"{number:.2f}x"
    if kind == "days":
        return f"{number:.1f}"
    return f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,.2f}"


def chart_number(value: Decimal | str | None, *, percent: bool = False) -> float | None:
    if value in (None, "None"):
        return None
    return round(float(value) * 100, 1) if percent else float(value)


def dashboard_tables() -> list[Table]:
    """The dashboard's tables, in page order (a fresh list: tables are filled per request)."""
    return [
        Table(
            "funnel-team", "Funnel by stage, per team", Metric.REP_FUNNEL, Dimension.TEAM,
            [Column("Team", "label", "text"), Column("Stage", "details.stage_label", "text"),
             Column("Reached", "details.reached", drill="reached"), Column("Moved on", "details.moved_on"),
             Column("Conversion", "value", "percent"), Column("Organisation", "org.value", "percent")],
            scope="team", beside=(Metric.REP_FUNNEL, Dimension.STAGE, "segment"), drill_scope="team",
        ),
        Table(
            "funnel-rep", "Funnel per rep, beside the team and the organisation", Metric.REP_FUNNEL, Dimension.REP,
            [Column("Rep", "label", "text"), Column("Stage", "details.stage_label", "text"),
             Column("Reached", "details.reached", drill="reached"), Column("Moved on", "details.moved_on"),
             Column("Conversion", "value", "percent"), Column("Team", "details.team_rate", "percent"),
             Column("Organisation", "details.org_rate", "percent")],
            scope="team", drill_scope="owner",
        ),
        Table(
            "funnel", "Where deals die: funnel by stage", Metric.STAGE_FUNNEL, Dimension.STAGE,
            [Column("Stage", "label", "text"), Column("Reached", "details.reached", drill="reached"),
             Column("Moved on", "details.moved_on"), Column("Lost there", "details.lost"),
             Column("Finally won", "details.won"), Column("Conversion", "details.conversion", "percent"),
             Column("Win rate from here", "value", "percent")],
            chart="bar", chart_series=[("Reached", "details.reached"), ("Lost there", "details.lost")],
            drill_scope="all",
        ),
        Table(
            "win-rate-rep", "Win rate by rep", Metric.WIN_RATE, Dimension.REP,
            [Column("Rep", "label", "text"), Column("Won", "numerator", drill="won"),
             Column("Closed", "denominator", drill="closed"), Column("Win rate", "value", "percent"),
             Column("Organisation", "org.value", "percent"),
             Column("Won amount", "details.won_amount", "money"),
             Column("Lost amount", "details.lost_amount", "money")],
            chart="horizontal", chart_series=[("Win rate", "value")],
            scope="team", beside=(Metric.WIN_RATE, Dimension.ALL, "total"), drill_scope="owner",
        ),
        Table(
            "win-rate-team", "Win rate by team", Metric.WIN_RATE, Dimension.TEAM,
            [Column("Team", "label", "text"), Column("Won", "numerator", drill="won"),
             Column("Closed", "denominator", drill="closed"), Column("Win rate", "value", "percent"),
             Column("Organisation", "org.value", "percent")],
            scope="team", beside=(Metric.WIN_RATE, Dimension.ALL, "total"), drill_scope="team",
        ),
        Table(
            "win-rate-team-product", "Win rate by product, per team", Metric.WIN_RATE, Dimension.TEAM_PRODUCT,
            [Column("Product", "label", "text"), Column("Won", "numerator"), Column("Closed", "denominator"),
             Column("Win rate", "value", "percent"), Column("Organisation", "org.value", "percent")],
            scope="team", beside=(Metric.WIN_RATE, Dimension.PRODUCT, "label"),
        ),
        Table(
            "win-rate-product", "Win rate by product / segment", Metric.WIN_RATE, Dimension.PRODUCT,
            [Column("Product", "label", "text"), Column("Won", "numerator"), Column("Closed", "denominator"),
             Column("Win rate", "value", "percent")],
        ),
        Table(
            "win-rate-amount-rep", "Win rate by amount, by rep", Metric.WIN_RATE_AMOUNT, Dimension.REP,
            [Column("Rep", "label", "text"), Column("Won amount", "numerator", "money"),
             Column("Closed amount", "denominator", "money"), Column("Win rate (amount)", "value", "percent"),
             Column("Organisation", "org.value", "percent")],
            scope="team", beside=(Metric.WIN_RATE_AMOUNT, Dimension.ALL, "total"),
        ),
        Table(
            "sales-cycle-team", "Sales cycle per team (days from creation to close)", Metric.SALES_CYCLE,
            Dimension.TEAM_OUTCOME,
            [Column("Team: outcome", "label", "text"), Column("Deals", "denominator", drill="outcome"),
             Column("Average days", "value", "days"), Column("Median days", "details.median_days", "days"),
             Column("Organisation median", "org.details.median_days", "days")],
            scope="team", beside=(Metric.SALES_CYCLE, Dimension.OUTCOME, "outcome"), drill_scope="team",
        ),
        Table(
            "sales-cycle", "Sales cycle (days from creation to close)", Metric.SALES_CYCLE, Dimension.OUTCOME,
            [Column("Outcome", "label", "text"), Column("Deals", "denominator", drill="outcome"),
             Column("Average days", "value", "days"), Column("Median days", "details.median_days", "days")],
            chart="bar", chart_series=[("Average days", "value"), ("Median days", "details.median_days")],
            drill_scope="all",
        ),
        Table(
            "ramp", "Time to ramp per rep", Metric.TIME_TO_RAMP, Dimension.REP,
            [Column("Rep", "label", "text"), Column("Start date", "details.start_date", "text"),
             Column("Ramped in", "details.ramped_month", "text", "Not yet ramped"),
             Column("Days to ramp", "value", "days", "Not yet ramped")],
            chart="horizontal", chart_series=[("Days to ramp", "value")],
            empty="No reps with a start date.", scope="team",
        ),
        Table(
            "readiness", "Readiness beside results", Metric.READINESS, Dimension.REP,
            [Column("Rep", "label", "text"), Column("Modules completed", "numerator"),
             Column("Modules assigned", "denominator"), Column("Completion", "value", "percent"),
             Column("Average best quiz score", "details.average_best_score", "number"),
             Column("Overdue modules", "details.overdue_modules"),
             Column("Win rate", "join.win_rate.value", "percent"),
             Column("Closed deals", "join.win_rate.denominator"),
             Column("Days to ramp", "join.ramp.value", "days", "Not yet ramped")],
            empty="No active reps.", scope="team",
            joins={"win_rate": (Metric.WIN_RATE, Dimension.REP), "ramp": (Metric.TIME_TO_RAMP, Dimension.REP)},
        ),
        Table(
            "quota", "Quota attainment per rep", Metric.QUOTA_ATTAINMENT, Dimension.REP,
            [Column("Rep", "label", "text"), Column("Closed won", "numerator", "money"),
             Column("Quota", "denominator", "money"), Column("Attainment", "value", "percent")],
            chart="horizontal", chart_series=[("Attainment", "value")],
            empty="No quotas for this period.", scope="team",
        ),
        Table(
            "content-lift", "Content lift by industry (deals closed with the asset shared vs without; at least a year)",
            Metric.CONTENT_LIFT, Dimension.INDUSTRY,
            [Column("Asset", "label", "text"), Column("Industry", "segment", "text"),
             Column("Won with", "numerator"), Column("Closed with", "denominator"),
             Column("Win rate with", "value", "percent"), Column("Won without", "details.won_without"),
             Column("Closed without", "details.closed_without"),
             Column("Win rate without", "details.win_rate_without", "percent"),
             Column("Lift (points)", "details.lift_points")],
            empty="No asset shared on deals closed in this period (a month or a quarter shows the year).",
        ),
        Table(
            "content-lift-product", "Content lift by product", Metric.CONTENT_LIFT, Dimension.PRODUCT,
            [Column("Asset", "label", "text"), Column("Product", "segment", "text"),
             Column("Won with", "numerator"), Column("Closed with", "denominator"),
             Column("Win rate with", "value", "percent"),
             Column("Win rate without", "details.win_rate_without", "percent"),
             Column("Lift (points)", "details.lift_points")],
            empty="No asset shared on deals closed in this period (a month or a quarter shows the year).",
        ),
        Table(
            "content-lift-stage", "Content lift by furthest stage reached", Metric.CONTENT_LIFT, Dimension.STAGE,
            [Column("Asset", "label", "text"), Column("Reached", "segment", "text"),
             Column("Won with", "numerator"), Column("Closed with", "denominator"),
             Column("Win rate with", "value", "percent"),
             Column("Win rate without", "details.win_rate_without", "percent"),
             Column("Lift (points)", "details.lift_points")],
            empty="No asset shared on deals closed in this period (a month or a quarter shows the year).",
        ),
        Table(
            "content", "Content: usage and win rate with vs without", Metric.CONTENT_USAGE, Dimension.ASSET,
            [Column("Asset", "label", "text"), Column("Uses", "details.uses"), Column("Deals", "details.deals"),
             Column("Won with", "numerator"), Column("Closed with", "denominator"),
             Column("Win rate with", "value", "percent"),
             Column("Win rate without", "details.win_rate_without", "percent"),
             Column("Lift", "details.lift", "ratio")],
            chart="horizontal", chart_series=[("Uses", "details.uses")],
            empty="No collateral used in this period.",
        ),
        Table(
            "content-versions", "Content usage per version", Metric.CONTENT_USAGE, Dimension.VERSION,
            [Column("Asset version", "label", "text"), Column("Views", "details.view"),
             Column("Downloads", "details.download"), Column("Shares", "details.share"),
             Column("Deals", "details.deals")],
            empty="No collateral used in this period.",
        ),
        Table(
            "lead-funnel", "Lead funnel by integration", Metric.LEAD_FUNNEL, Dimension.INTEGRATION,
            [Column("Integration", "label", "text"), Column("Received", "details.received"),
             Column("Rejected", "details.rejected"), Column("Accepted", "details.accepted"),
             Column("Returned", "details.returned"), Column("Converted", "details.converted"),
             Column("Converted share", "value", "percent")],
            chart="bar", chart_series=[("Received", "details.received"), ("Rejected", "details.rejected"),
                                       ("Accepted", "details.accepted"), ("Converted", "details.converted")],
            empty="No MQLs received in this period.",
        ),
        Table(
            "lead-rejections", "Rejected MQLs by reason", Metric.LEAD_FUNNEL, Dimension.REASON,
            [Column("Integration: reason", "label", "text"), Column("Rejected", "numerator"),
             Column("Share of rejections", "value", "percent")],
            empty="No rejected MQLs in this period.",
        ),
        Table(
            "call-habits", "Call habits per rep (the call linter's averages over the period's calls)",
            Metric.CALL_HABITS, Dimension.REP,
            [Column("Rep", "label", "text"), Column("Calls", "denominator"),
             Column("Rep talk %", "details.talk_percent"), Column("Longest monologue (s)", "details.monologue_seconds"),
             Column("Questions", "details.questions"), Column("Fillers / min", "details.fillers_per_minute"),
             Column("Customer's longest story (s)", "details.story_seconds"),
             Column("Findings per call", "details.findings_per_call")],
            chart="horizontal", chart_series=[("Rep talk %", "details.talk_percent")],
            empty="No linted calls in this period.", scope="team",
        ),
        Table(
            "call-trackers",
            "Call trackers and outcomes (closed deals whose calls hit the tracker vs not; at least a year)",
            Metric.CALL_TRACKERS, Dimension.TRACKER,
            [Column("Tracker", "label", "text"), Column("Won with", "numerator"), Column("Closed with", "denominator"),
             Column("Win rate with", "value", "percent", "Too few deals"),
             Column("Won without", "details.won_without"), Column("Closed without", "details.closed_without"),
             Column("Win rate without", "details.win_rate_without", "percent", "Too few deals"),
             Column("Lift (points)", "details.lift_points", "number", "Too few deals"),
             Column("Shrunk lift (points)", "details.shrunk_lift_points", "number", "Too few deals")],
            empty="No tracker hit on calls of deals closed in this period (a month or a quarter shows the year).",
        ),
    ]  # fmt: skip


def table_for(slug: str) -> Table | None:
    return next((table for table in dashboard_tables() if table.slug == slug), None)


@dataclass
class Dashboard:
    as_of: date | None
    period: str
    tables: list[Table]
    summary: dict[str, MetricSnapshot]
    last_run: TelemetryRun | None
    dates: list[date]

    @property
    def ramp_not_yet(self) -> int:
        overall = self.summary.get("ramp")
        return overall.details.get("not_yet_ramped", 0) if overall else 0


def snapshot_dates(limit: int = 90) -> list[date]:
    return list(MetricSnapshot.objects.order_by("-as_of").values_list("as_of", flat=True).distinct()[:limit])


def last_run() -> TelemetryRun | None:
    return TelemetryRun.objects.latest_first().first()


def snapshot_rows(user: User, *, as_of: date, period: str) -> MetricSnapshotQuerySet:
    """The rows `user` may see of one date and period (plus the period-less metrics)."""
    rows = MetricSnapshot.objects.for_user(user).filter(as_of=as_of)
    # Content lift is kept for the year and all time only (a month's closed deals are too few to
    # rank on): a month's or a quarter's dashboard shows the year's.
    lift_period = period if period in LIFT_PERIODS else Period.YEAR
    return (
        rows.filter(period=period)
        | rows.filter(metric__in=PERIODLESS_METRICS, period=Period.ALL)
        | rows.filter(metric__in=[Metric.CONTENT_LIFT, Metric.CALL_TRACKERS], period=lift_period)
    )


def dashboard_for(user: User, *, as_of: date | None, period: str, dates: list[date]) -> Dashboard:
    """Every table of the dashboard for `user`: two queries whatever the number of rows.

    `dates` are the snapshot dates (`snapshot_dates()`), which the caller has for its form.
    """
    as_of = as_of or (dates[0] if dates else None)
    tables = dashboard_tables()
    summary: dict[str, MetricSnapshot] = {}
    if as_of:
        by_table = defaultdict(list)
        for row in snapshot_rows(user, as_of=as_of, period=period).order_by("position", "label", "key"):
            by_table[(row.metric, row.dimension)].append(row)
            if row.dimension == Dimension.ALL:
                summary[SUMMARY_KEYS.get(row.metric, row.metric)] = row
        for table in tables:
            table.rows = by_table.get((table.metric, table.dimension), [])
            _attach(table, by_table)
            if is_enablement_admin(user) or table.scope == "team":
                # A manager's deal list holds their team's deals: only team figures can match it.
                table.links = [[drill_url(table, c, row, as_of, period) for c in table.columns] for row in table.rows]
    return Dashboard(as_of=as_of, period=period, tables=tables, summary=summary, last_run=last_run(), dates=dates)


def _attach(table: Table, by_table: dict[tuple[str, str], list[MetricSnapshot]]) -> None:
    """Give each row its organisation row (`row.org`) and its joined rows (`row.joined`)."""
    if table.beside:
        metric, dimension, match = table.beside
        others = by_table.get((metric, dimension), [])
        for row in table.rows:
            row.org = _match(row, others, match)  # type: ignore[attr-defined]
    for name, (metric, dimension) in table.joins.items():
        keyed = {other.key: other for other in by_table.get((metric, dimension), [])}
        for row in table.rows:
            if not hasattr(row, "joined"):
                row.joined = {}  # type: ignore[attr-defined]
            row.joined[name] = keyed.get(row.key)  # type: ignore[attr-defined]


def _match(row: MetricSnapshot, others: list[MetricSnapshot], match: str) -> MetricSnapshot | None:
    if match == "total":
        return others[0] if others else None
    if match == "segment":
        return next((o for o in others if o.segment == row.segment), None)
    if match == "label":
        return next((o for o in others if o.label == row.label), None)
    return next((o for o in others if o.key == row.key.rsplit(":", 1)[-1]), None)


def drill_url(table: Table, column: Column, row: MetricSnapshot, as_of: date, period: str) -> str:
    """The deal list (`pipeline:deal_list`, its filters as BRIEF-SHARED-CONTRACTS.md) of the deals
    a count counts; "" where its filters cannot say exactly which deals (a count over a period
    of stage arrivals, a product, an asset)."""
    if not column.drill or not table.drill_scope:
        return ""
    params: list[tuple[str, str]] = []
    scope_key = row.key.split(":", 1)[0]
    if table.drill_scope in ("owner", "team"):
        if not scope_key.isdigit():
            return ""
        params.append((table.drill_scope, scope_key))
    if column.drill == "reached":
        # The list's "reached" is "at any time": it matches a count over all time only.
        if period != Period.ALL:
            return ""
        params.append(("reached", row.segment or row.key))
    else:
        outcome = row.key.rsplit(":", 1)[-1]
        stages = {"won": ["ClosedWon"], "closed": ["ClosedWon", "ClosedLost"],
                  "outcome": ["ClosedWon" if outcome == "won" else "ClosedLost"]}[column.drill]  # fmt: skip
        params += [("stage", stage) for stage in stages]
        start = Span.ending(as_of).first_months[period]
        if start:
            params.append(("closed_from", start.isoformat()))
        params.append(("closed_to", (as_of + timedelta(days=1)).isoformat()))
    return f"{DEAL_LIST_PATH}?{urlencode(params)}"


SUMMARY_KEYS = {
    Metric.WIN_RATE: "win_rate",
    Metric.WIN_RATE_AMOUNT: "win_rate_amount",
    Metric.QUOTA_ATTAINMENT: "quota",
    Metric.TIME_TO_RAMP: "ramp",
}


def csv_rows(user: User, table: Table, *, as_of: date, period: str) -> tuple[list[str], list[list[Cell]]]:
    """The table's header and rows as the CSV download has them (raw numbers, no formatting;
    numbers stay numbers so that `csv_response` writes them as such)."""
    rows = list(
        snapshot_rows(user, as_of=as_of, period=period)
        .filter(metric=table.metric, dimension=table.dimension)
        .order_by("position", "label", "key")
    )
    detail_names = sorted({name for row in rows for name in row.details})
    header = ["key", "label", "numerator", "denominator", "value", *detail_names]
    body = [
        [row.key, row.label, row.numerator, row.denominator, row.value, *(row.details.get(n) for n in detail_names)]
        for row in rows
    ]
    return header, body


FINAL_RUN_STATES = {RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.SKIPPED, RunStatus.ABANDONED}


@dataclass(frozen=True)
class RecomputeRequest:
    """A "recompute now" someone asked for, and how it is doing: `run` is None while it is queued."""

    as_of: date
    since: datetime
    run: TelemetryRun | None

    @property
    def state(self) -> str:
        return "queued" if self.run is None else self.run.status

    @property
    def finished(self) -> bool:
        return self.run is not None and self.run.status in FINAL_RUN_STATES


def recompute_request(*, as_of: date, since: datetime) -> RecomputeRequest:
    """The state of the recomputation of `as_of` asked for at `since`: the first run of that date
    that started since then (the one the request's task claimed, or the one that had the date)."""
    run = TelemetryRun.objects.filter(as_of=as_of, started_at__gte=since).order_by("started_at", "pk").first()
    return RecomputeRequest(as_of=as_of, since=since, run=run)
