"""Telemetry: the metrics recomputed every night, stored as one snapshot per `as_of` date.

A snapshot is plain rows (metric, period, dimension, key, label, numerator, denominator,
value), so the dashboard, the CSV downloads and the API read stored numbers and never
recompute anything on a request.
"""

from datetime import date

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Team, User
from accounts.rules import is_enablement_admin, is_manager


class Period(models.TextChoices):
    """Calendar windows ending on the snapshot's `as_of` day (inclusive)."""

    MONTH = "month", "Month to date"
    QUARTER = "quarter", "Quarter to date"
    YEAR = "year", "Year to date"
    ALL = "all", "All time"


class Metric(models.TextChoices):
    WIN_RATE = "win_rate", "Win rate (deals)"
    WIN_RATE_AMOUNT = "win_rate_amount", "Win rate (amount)"
    STAGE_FUNNEL = "stage_funnel", "Funnel by stage"
    SALES_CYCLE = "sales_cycle", "Sales cycle (days)"
    TIME_TO_RAMP = "time_to_ramp", "Time to ramp (days)"
    CONTENT_USAGE = "content_usage", "Content usage"
    QUOTA_ATTAINMENT = "quota_attainment", "Quota attainment"
    LEAD_FUNNEL = "lead_funnel", "Lead funnel"
    CONTENT_LIFT = "content_lift", "Content lift by segment"
    REP_FUNNEL = "rep_funnel", "Funnel per rep"
    READINESS = "readiness", "Readiness"
    GATE_COMPLIANCE = "gate_compliance", "Gate compliance"
    CALL_HABITS = "call_habits", "Call habits (the call linter)"
    CALL_TRACKERS = "call_trackers", "Call trackers and outcomes"


# Time to ramp does not depend on the period: it is stored under "all" and shown with every period.
PERIODLESS_METRICS = frozenset({Metric.TIME_TO_RAMP, Metric.READINESS})


class Dimension(models.TextChoices):
    ALL = "all", "Overall"
    REP = "rep", "Rep"
    TEAM = "team", "Team"
    PRODUCT = "product", "Product / segment"
    STAGE = "stage", "Stage"
    OUTCOME = "outcome", "Outcome"
    ASSET = "asset", "Asset"
    VERSION = "version", "Asset version"
    INTEGRATION = "integration", "Integration"
    REASON = "reason", "Rejection reason"
    INDUSTRY = "industry", "Industry"
    CRITERION = "criterion", "Stage criterion"
    TEAM_PRODUCT = "team_product", "Team and product"
    TEAM_OUTCOME = "team_outcome", "Team and outcome"
    TRACKER = "tracker", "Call tracker"


# Rows of these dimensions belong to one team; a manager sees only their own team's.
TEAM_DIMENSIONS = frozenset({Dimension.REP, Dimension.TEAM, Dimension.TEAM_PRODUCT, Dimension.TEAM_OUTCOME})


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped (another run had the date)"
    ABANDONED = "abandoned", "Abandoned (its worker died)"


class TelemetryRunQuerySet(models.QuerySet):
    def running(self) -> "TelemetryRunQuerySet":
        return self.filter(status=RunStatus.RUNNING)

    def latest_first(self) -> "TelemetryRunQuerySet":
        return self.order_by("-started_at", "-pk")


class TelemetryRun(models.Model):
    """One recomputation of one date's snapshot: who asked, how it went, how long it took.

    At most one run per date is `running` (a partial unique constraint, on SQLite and
    PostgreSQL alike): that row is the lock which keeps two runs from both writing a date.
    """

    as_of = models.DateField()
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    trigger = models.CharField(max_length=20, help_text="nightly, command, admin, ...")
    task_id = models.CharField(max_length=64, blank=True, help_text="Celery task id: a redelivery resumes its run.")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration = models.DurationField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    objects = TelemetryRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["as_of"], condition=Q(status="running"), name="one_running_telemetry_run_per_date"
            )
        ]
        indexes = [models.Index(fields=["as_of", "status"])]
        permissions = [("recompute_telemetry", "Can start a recomputation of the telemetry")]

    def __str__(self) -> str:
        return f"Telemetry {self.as_of} ({self.get_status_display()})"


class MetricSnapshotQuerySet(models.QuerySet):
    def for_user(self, user: User) -> "MetricSnapshotQuerySet":
        """The rows of the dashboard (rule `telemetry.view_dashboard`, telemetry/rules.py): admins see
        every row; managers the organisation's totals and their own team's reps and team."""
        if is_enablement_admin(user):
            return self
        if is_manager(user) and user.team_id:
            return self.filter(~Q(dimension__in=TEAM_DIMENSIONS) | Q(team_id=user.team_id))
        return self.none()

    def of(self, *, as_of: date, metric: str, period: str) -> "MetricSnapshotQuerySet":
        return self.filter(as_of=as_of, metric=metric, period=period)


class MetricSnapshot(models.Model):
    """One number of one metric on one date: numerator / denominator = value (None: not defined).

    `details` holds the row's other figures (a funnel stage's lost count, a median, ...).
    `team` is the team the row belongs to for rep and team rows, so that access is a filter.
    """

    as_of = models.DateField()
    run = models.ForeignKey(TelemetryRun, on_delete=models.CASCADE, related_name="snapshots")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    period = models.CharField(max_length=10, choices=Period.choices)
    dimension = models.CharField(max_length=12, choices=Dimension.choices)
    key = models.CharField(max_length=120)
    label = models.CharField(max_length=250)
    numerator = models.DecimalField(max_digits=18, decimal_places=2)
    denominator = models.DecimalField(max_digits=18, decimal_places=2)
    value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    position = models.PositiveIntegerField(default=0, help_text="Display order within the metric.")
    # The segment a row is about (an industry, a product, a stage), where the metric has them:
    # recommendations read one deal's segments through the index below, not the whole metric.
    segment = models.CharField(max_length=120, blank=True, default="")

    objects = MetricSnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["as_of", "metric", "period", "dimension", "position", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["as_of", "metric", "period", "dimension", "key"], name="one_snapshot_row_per_key"
            )
        ]
        indexes = [
            models.Index(fields=["as_of", "metric", "period", "dimension"]),
            # A segment's rows in rank order: a recommendation reads each of its deal's segments'
            # best few as one index range (telemetry/recommendations.py).
            models.Index(
                fields=["as_of", "metric", "period", "dimension", "segment", "position"],
                name="telemetry_snapshot_seg_rank",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.as_of} {self.metric}/{self.period}/{self.dimension} {self.label}: {self.value}"
