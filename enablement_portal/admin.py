from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from reversion.models import Version
from reversion_compare.admin import CompareVersionAdmin


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records only the system writes (rejections, telemetry runs and snapshots): view, never edit."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class CompareAdmin(CompareVersionAdmin):
    """History you can read (django-reversion-compare): any two revisions compared field by field,
    with text diffs, and a revert page that starts from the diff of what reverting would change.
    Both check the object's permissions, as the change page does."""

    revision_form_template = "admin/revision_form_with_diff.html"

    def _checked_object(self, request: HttpRequest, object_id: str, *, change: bool) -> Model:
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("No such object.")
        allowed = (
            self.has_change_permission(request, obj) if change else self.has_view_or_change_permission(request, obj)
        )
        if not allowed:
            raise PermissionDenied
        return obj

    def compare_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        self._checked_object(request, object_id, change=False)
        return super().compare_view(request, object_id, extra_context)

    def revision_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        obj = self._checked_object(request, object_id, change=True)
        versions = Version.objects.get_for_object(obj)
        chosen = get_object_or_404(versions, pk=version_id)
        latest = versions.first()
        diff: list = []
        if request.method == "GET" and latest is not None and latest.pk != chosen.pk:
            # From the current revision to the chosen one: what saving this page changes.
            diff, _ = self.compare(obj, latest, chosen)
        context = {"revert_diff": diff, "revert_to": chosen, "revert_from": latest, **(extra_context or {})}
        return super().revision_view(request, object_id, version_id, context)
