from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from enablement_portal.admin import ReadOnlyAdmin
from leads.examples import LEADS_PATH, intake_examples
from leads.models import (
    Integration,
    Lead,
    LeadEvent,
    LeadRejection,
    QualificationCriterion,
    QualificationRule,
    RoutingRule,
)
from leads.services import (
    integration_create,
    integration_issue_key,
    integration_revoke_key,
    integration_rotate_signing_secret,
    lead_reassign,
    leads_reassign,
)
from pipeline.admin import OwnerChangeAdmin, reassign_action


@dataclass(frozen=True)
class IssuedKey:
    """What the key page shows once: an integration's new key and/or signing secret."""

    integration: Integration
    token: str = ""
    secret: str = ""


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    """A lead integration and its key. A new key (or signing secret) is shown once, on its own
    page, with a copy button, the endpoint and a ready curl example; never again afterwards."""

    list_display = ["name", "key_prefix", "key_state", "signs_requests", "rate_limit", "created_at"]
    list_select_related = ["api_key"]
    search_fields = ["name", "api_key__prefix"]
    readonly_fields = ["key_prefix", "key_state", "signs_requests", "created_at"]
    actions = ["issue_new_key", "revoke_key", "rotate_signing_secret"]

    class Media:
        css = {"all": ["css/admin_authoring.css"]}
        js = ["js/admin_copy.js"]

    def get_fields(self, request: HttpRequest, obj: Integration | None = None) -> tuple[str, ...]:
        editable = ("name", "rate_limit_requests", "rate_limit_window_seconds")
        return editable if obj is None else (*editable, *self.readonly_fields)

    @admin.display(description="Key")
    def key_prefix(self, integration: Integration) -> str:
        return f"{integration.api_key.prefix}…"

    @admin.display(description="Key state")
    def key_state(self, integration: Integration) -> str:
        return (
            f"revoked {integration.api_key.revoked_at:%Y-%m-%d %H:%M}" if integration.api_key.is_revoked else "active"
        )

    @admin.display(boolean=True, description="Signed requests")
    def signs_requests(self, integration: Integration) -> bool:
        return integration.signs_requests

    @admin.display(description="Rate limit")
    def rate_limit(self, integration: Integration) -> str:
        return f"{integration.rate_limit_requests} / {integration.rate_limit_window_seconds} s"

    def save_model(self, request: HttpRequest, obj: Integration, form: forms.ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        integration, token = integration_create(
            name=obj.name,
            created_by=cast(User, request.user),
            rate_limit_requests=obj.rate_limit_requests,
            rate_limit_window_seconds=obj.rate_limit_window_seconds,
        )
        # The admin's later steps (log entry, response) work on `obj`: make it the saved row.
        obj.__dict__.update(integration.__dict__)
        # Kept on this request only, for response_add: the key is never stored in clear.
        request.issued_keys = [IssuedKey(integration=integration, token=token)]  # type: ignore[attr-defined]

    def response_add(
        self, request: HttpRequest, obj: Integration, post_url_continue: str | None = None
    ) -> HttpResponse:
        issued = getattr(request, "issued_keys", None)
        if issued is None:
            return super().response_add(request, obj, post_url_continue)
        return self.key_page(request, issued)

    def key_page(self, request: HttpRequest, issued: list[IssuedKey]) -> HttpResponse:
        """The page that shows new keys and secrets once (it is the answer to the POST that made them)."""
        endpoint = request.build_absolute_uri(LEADS_PATH)
        items = [
            {
                "issued": item,
                "examples": intake_examples(
                    endpoint=endpoint,
                    token=item.token,
                    signing_secret=item.secret,
                    signs=item.integration.signs_requests,
                ),
            }
            for item in issued
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Copy the new key now",
            "items": items,
            "endpoint": endpoint,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/leads/integration/key.html", context)

    @admin.action(description="Issue a new API key (revokes the current one)")
    def issue_new_key(self, request: AuthenticatedHttpRequest, queryset: QuerySet) -> HttpResponse:
        issued = [
            IssuedKey(integration=integration, token=integration_issue_key(integration=integration, by=request.user))
            for integration in queryset.select_related("api_key")
        ]
        return self.key_page(request, issued)

    @admin.action(description="Revoke the API key")
    def revoke_key(self, request: AuthenticatedHttpRequest, queryset: QuerySet) -> None:
        for integration in queryset.select_related("api_key"):
            integration_revoke_key(integration=integration)
        self.message_user(request, f"Revoked the keys of {queryset.count()} integration(s).", messages.SUCCESS)

    @admin.action(description="Rotate the signing secret (requests must then be signed)")
    def rotate_signing_secret(self, request: AuthenticatedHttpRequest, queryset: QuerySet) -> HttpResponse:
        issued = [
            IssuedKey(integration=integration, secret=integration_rotate_signing_secret(integration=integration))
            for integration in queryset
        ]
        return self.key_page(request, issued)


@admin.register(QualificationCriterion)
class QualificationCriterionAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "active"]
    list_filter = ["active"]
    search_fields = ["code", "label"]


@admin.register(QualificationRule)
class QualificationRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "active", "min_engagement_score", "blocked_email_domains"]
    list_filter = ["active"]
    filter_horizontal = ["required_criteria"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "order", "active", "industry", "min_employees", "max_employees", "team"]
    list_editable = ["order", "active"]
    list_filter = ["active", "team"]
    list_select_related = ["team"]
    search_fields = ["name", "industry", "team__name"]


class LeadEventInline(admin.TabularInline):
    model = LeadEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "at", "by", "note"]

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def _leads_reassign(queryset: QuerySet[Lead], **kwargs: Any) -> int:
    return leads_reassign(leads=queryset, **kwargs)


def _lead_reassign(lead: Lead, **kwargs: Any) -> Lead:
    return lead_reassign(lead=lead, **kwargs)


@admin.register(Lead)
class LeadAdmin(OwnerChangeAdmin):
    list_display = ["lead_id", "full_name", "company_name", "integration", "status", "owner", "team", "received_at"]
    list_filter = ["status", "integration", "team", "industry", "return_reason"]
    list_select_related = ["integration", "owner", "team"]
    search_fields = ["lead_id", "email", "first_name", "last_name", "company_name"]
    date_hierarchy = "received_at"
    inlines = [LeadEventInline]
    actions = [reassign_action(_leads_reassign, "leads")]
    # The owner changes through lead_reassign (OwnerChangeAdmin), with a reason; the team follows.
    reassign_permission = "leads.reassign_lead"
    reassign = _lead_reassign
    fields = [
        "integration",
        "lead_id",
        "status",
        "owner",
        "team",
        "source",
        "email",
        "first_name",
        "last_name",
        "job_title",
        "company_name",
        "industry",
        "employee_count",
        "engagement_score",
        "criteria",
        "return_reason",
        "return_note",
        "deal",
        "raw_payload",
        "received_at",
        "updated_at",
    ]
    # Marketing owns the data and sales the status: admin may only reassign a lead.
    readonly_fields = [name for name in fields if name != "owner"]  # type: ignore[misc]  # all names

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(LeadRejection)
class LeadRejectionAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "integration", "lead_id", "reason_list", "paths"]
    list_filter = ["integration"]
    list_select_related = ["integration"]
    search_fields = ["lead_id", "payload_digest"]
    date_hierarchy = "received_at"

    @admin.display(description="Reasons")
    def reason_list(self, rejection: LeadRejection) -> str:
        return ", ".join(rejection.reasons)

    @admin.display(description="Fields")
    def paths(self, rejection: LeadRejection) -> str:
        return ", ".join(error["path"] or "(body)" for error in rejection.errors)
