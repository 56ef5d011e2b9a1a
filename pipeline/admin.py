from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from rules.contrib.admin import ObjectPermissionsModelAdmin

from accounts.http import AuthenticatedHttpRequest
from enablement_portal.admin import ReadOnlyAdmin
from pipeline.forms import ReassignForm
from pipeline.models import (
    Account,
    CriterionCheck,
    Deal,
    DealStageChange,
    Event,
    LostReason,
    Product,
    Quota,
    RefusedMove,
    StageCriterion,
    StageSetting,
)
from pipeline.services import (
    TransitionRefused,
    deal_reassign,
    deal_transition,
    deals_reassign,
    owners_assignable_by,
    reassignment_reason,
)


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


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    """The managed product list: new deals, lead conversion and the CRM import pick from it.
    Retire a product (inactive) rather than delete it: deals keep naming it."""

    list_display = ["name", "is_active"]
    list_filter = ["is_active"]
    list_editable = ["is_active"]
    search_fields = ["name"]

    def has_delete_permission(self, request: HttpRequest, obj: Product | None = None) -> bool:
        return False


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


# ---------------------------------------------------------------------------
# Reassignment in admin: the owner is changed through the services, with a reason
# ---------------------------------------------------------------------------
class OwnerChangeForm(forms.ModelForm):
    """A change form whose owner changes only with a reason; the admin saves it through the service."""

    reassign_reason = forms.CharField(
        required=False,
        label="Reason for a new owner",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when the owner changes; kept in the history.",
    )
    # Set by OwnerChangeAdmin.get_form: who is editing.
    by: Any = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "owner" in self.changed_data and data.get("owner") is not None:
            try:
                reassignment_reason(new_owner=data["owner"], reason=data.get("reassign_reason", ""), by=self.by)
            except ValidationError as invalid:
                for name, errors in invalid.message_dict.items():
                    self.add_error({"new_owner": "owner", "reason": "reassign_reason"}.get(name), errors)
        return data


class OwnerChangeAdmin(admin.ModelAdmin):
    """Owner editable for those the `reassign_permission` rule allows, saved through `reassign`."""

    form = OwnerChangeForm
    reassign_permission = ""
    reassign: Callable[..., Any]

    def get_form(self, request: Any, obj: Model | None = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.by = request.user  # type: ignore[attr-defined]
        if "owner" in form.base_fields:
            form.base_fields["owner"].queryset = owners_assignable_by(request.user)  # type: ignore[attr-defined]
        return form

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is None or not request.user.has_perm(self.reassign_permission, obj):
            fields.append("owner")
        return fields

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fields = [f for f in super().get_fields(request, obj) if f != "reassign_reason"]
        if "owner" in self.get_readonly_fields(request, obj):
            return fields
        return [*fields, "reassign_reason"]

    def save_model(self, request: Any, obj: Any, form: forms.ModelForm, change: bool) -> None:
        if change and "owner" in form.changed_data:
            new_owner = obj.owner
            # The other fields are saved as the form has them; the owner only through the service.
            obj.owner_id = form.initial["owner"]
            super().save_model(request, obj, form, change)
            type(self).reassign(obj, new_owner=new_owner, reason=form.cleaned_data["reassign_reason"], by=request.user)
            return
        super().save_model(request, obj, form, change)


def reassign_action(reassign_many: Callable[..., int], noun: str) -> Callable[..., Any]:
    """An admin action "Reassign selected …": asks for the new owner and a reason, then calls `reassign_many`."""

    @admin.action(description=f"Reassign selected {noun} (asks for the new owner and a reason)")
    def reassign_selected(
        modeladmin: admin.ModelAdmin, request: AuthenticatedHttpRequest, queryset: QuerySet
    ) -> TemplateResponse | None:
        form = ReassignForm(request.POST if "apply" in request.POST else None, user=request.user)
        if form.is_valid():
            try:
                count = reassign_many(queryset, by=request.user, **form.cleaned_data)
            except (PermissionDenied, ValidationError) as refused:
                messages.error(request, " ".join(getattr(refused, "messages", [str(refused)])))
            else:
                messages.success(request, f"{count} {noun} now belong to {form.cleaned_data['new_owner']}.")
            return None
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": f"Reassign {queryset.count()} {noun}",
            "form": form,
            "queryset": queryset,
            "noun": noun,
            "opts": modeladmin.model._meta,
            "action": "reassign_selected",
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/reassign_selected.html", context)

    return reassign_selected


def _deals_reassign(queryset: QuerySet[Deal], **kwargs: Any) -> int:
    return deals_reassign(deals=queryset, **kwargs)


def _deal_reassign(deal: Deal, **kwargs: Any) -> Deal:
    return deal_reassign(deal=deal, **kwargs)


@admin.register(Deal)
class DealAdmin(OwnerChangeAdmin, ObjectPermissionsModelAdmin):
    """Viewing, changing (and so the move actions) and deleting ask the deal's rules (pipeline/rules.py)."""

    list_display = ["name", "account", "owner", "team", "stage", "amount", "expected_close_date", "closed_at"]
    list_filter = ["stage", "team", "product"]
    search_fields = ["name", "account__name", "external_id", "owner__username"]
    list_select_related = ["account", "owner", "team", "product"]
    # Stage and team are never edited by hand: moves run the transitions (actions below); the owner
    # changes through deal_reassign (OwnerChangeAdmin), and the team follows the owner.
    reassign_permission = "pipeline.reassign_deal"
    reassign = _deal_reassign
    readonly_fields = [
        "stage",
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
    fields = ["name", "account", "owner", "amount", "currency", "product", "expected_close_date", *readonly_fields]
    autocomplete_fields = ["account"]
    inlines = [CheckInline, StageChangeInline]
    actions = [
        reassign_action(_deals_reassign, "deals"),
        *[
            _move(e)
            for e in [
                Event.QUALIFY,
                Event.DEMO_SCHEDULED,
                Event.PROPOSAL_REQUESTED,
                Event.VERBAL_YES,
                Event.CONTRACT_SIGNED,
            ]
        ],
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Deals come from leads, the portal or an import, each of which records the first history row.
        return False
