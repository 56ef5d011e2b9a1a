from collections.abc import Callable

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from rules.contrib.admin import ObjectPermissionsModelAdmin

from accounts.http import AuthenticatedHttpRequest
from enablement_portal.admin import ReadOnlyAdmin
from pipeline.models import (
    Account,
    CriterionCheck,
    Deal,
    DealStageChange,
    Event,
    LostReason,
    Quota,
    RefusedMove,
    StageCriterion,
    StageSetting,
)
from pipeline.services import TransitionRefused, deal_transition


@admin.register(StageCriterion)
class StageCriterionAdmin(admin.ModelAdmin):
    list_display = ["text", "stage", "kind", "order", "active"]
    list_filter = ["stage", "kind", "active"]
    list_editable = ["order", "active"]


@admin.register(StageSetting)
class StageSettingAdmin(admin.ModelAdmin):
    list_display = ["stage", "probability", "rotting_after_days"]
    list_editable = ["probability", "rotting_after_days"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(LostReason)
class LostReasonAdmin(admin.ModelAdmin):
    list_display = ["name", "order", "active"]
    list_editable = ["order", "active"]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "industry", "employee_count"]
    search_fields = ["name"]


@admin.register(RefusedMove)
class RefusedMoveAdmin(ReadOnlyAdmin):
    list_display = ["deal", "from_stage", "to_stage", "by", "at"]
    list_filter = ["from_stage"]
    date_hierarchy = "at"


@admin.register(Quota)
class QuotaAdmin(admin.ModelAdmin):
    list_display = ["rep", "month", "amount", "currency"]
    list_filter = ["month", "rep__team"]
    search_fields = ["rep__username", "rep__first_name", "rep__last_name"]
    autocomplete_fields = ["rep"]
    date_hierarchy = "month"


class CheckInline(admin.TabularInline):
    model = CriterionCheck
    extra = 0
    can_delete = False
    fields = readonly_fields = ("criterion", "checked_by", "checked_at", "evidence")

    def has_add_permission(self, request: HttpRequest, obj: Deal | None = None) -> bool:
        return False


class StageChangeInline(admin.TabularInline):
    model = DealStageChange
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "event", "from_stage", "to_stage", "by", "imported", "note")

    def has_add_permission(self, request: HttpRequest, obj: Deal | None = None) -> bool:
        return False


def _move(event: str) -> Callable[..., None]:
    @admin.action(description=f"{Event(event).label} (checks criteria)", permissions=["change"])
    def action(modeladmin: admin.ModelAdmin, request: AuthenticatedHttpRequest, queryset: QuerySet[Deal]) -> None:
        """Admin moves go through deal_transition like every other: same criteria, same history."""
        moved = 0
        for deal in queryset:
            try:
                deal_transition(deal=deal, event=event, by=request.user)
                moved += 1
            except (TransitionRefused, PermissionDenied, ValidationError) as refused:
                messages.error(request, f"{deal}: {refused}")
        if moved:
            messages.success(request, f"{moved} deal(s) moved ({Event(event).label}).")

    action.__name__ = f"move_{event.lower()}"
    return action


@admin.register(Deal)
class DealAdmin(ObjectPermissionsModelAdmin):
    """Viewing, changing (and so the move actions) and deleting ask the deal's rules (pipeline/rules.py)."""

    list_display = ["name", "account", "owner", "team", "stage", "amount", "expected_close_date", "closed_at"]
    list_filter = ["stage", "team", "product"]
    search_fields = ["name", "account__name", "external_id", "owner__username"]
    list_select_related = ["account", "owner", "team"]
    # Stage, owner and team are never edited by hand: moves run the transitions (actions below).
    readonly_fields = [
        "stage",
        "owner",
        "team",
        "stage_entered_at",
        "lost_at_stage",
        "lost_reason",
        "lost_note",
        "closed_at",
        "external_id",
        "source",
        "created_at",
        "updated_at",
    ]
    fields = ["name", "account", "amount", "currency", "product", "expected_close_date", *readonly_fields]
    autocomplete_fields = ["account"]
    inlines = [CheckInline, StageChangeInline]
    actions = [
        _move(e)
        for e in [
            Event.QUALIFY,
            Event.DEMO_SCHEDULED,
            Event.PROPOSAL_REQUESTED,
            Event.VERBAL_YES,
            Event.CONTRACT_SIGNED,
        ]
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Deals come from leads, the portal or an import, each of which records the first history row.
        return False
