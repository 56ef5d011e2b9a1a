from django.contrib import admin

from enablement_portal.admin import ReadOnlyAdmin
from telemetry.models import MetricSnapshot, TelemetryRun


@admin.register(TelemetryRun)
class TelemetryRunAdmin(ReadOnlyAdmin):
    # The changelist adds the "Recompute now" button (templates/admin/telemetry/telemetryrun/).
    list_display = ["as_of", "status", "trigger", "started_at", "duration", "rows", "error"]
    list_filter = ["status", "trigger"]
    date_hierarchy = "started_at"


@admin.register(MetricSnapshot)
class MetricSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["as_of", "metric", "period", "dimension", "label", "numerator", "denominator", "value"]
    list_filter = ["metric", "period", "dimension", "as_of"]
    search_fields = ["label", "key"]
    list_select_related = ["run"]
