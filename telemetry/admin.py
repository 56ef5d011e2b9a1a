from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from enablement_portal.admin import ReadOnlyAdmin
from telemetry.models import MetricSnapshot, TelemetryRun
from telemetry.views import recompute_status


@admin.register(TelemetryRun)
class TelemetryRunAdmin(ReadOnlyAdmin):
    # The changelist adds the "Recompute now" button (templates/admin/telemetry/telemetryrun/).
    list_display = ["as_of", "status", "trigger", "started_at", "duration", "rows", "error"]
    list_filter = ["status", "trigger"]
    date_hierarchy = "started_at"

    class Media:
        js = ["js/auto_refresh.js"]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        # How the "Recompute now" asked for from here is doing (the list reloads until it has finished).
        context = {"recompute": recompute_status(request), **(extra_context or {})}
        return super().changelist_view(request, context)


@admin.register(MetricSnapshot)
class MetricSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["as_of", "metric", "period", "dimension", "label", "numerator", "denominator", "value"]
    list_filter = ["metric", "period", "dimension", "as_of"]
    search_fields = ["label", "key"]
    list_select_related = ["run"]
