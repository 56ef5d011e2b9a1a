from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from accounts.http import AuthenticatedHttpRequest
from accounts.models import INTEGRATION_SCOPES, STAFF_ROLES, ApiKey, ApiKeyQuerySet, Role, Scope, Team, User
from accounts.services import api_key_create, api_key_revoke, api_key_rotate, user_set_role


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "member_count"]
    list_filter = ["region"]
    search_fields = ["name", "region"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(ordering="member_count", description="Members")
    def member_count(self, team: Team) -> int:
        return team.member_count  # type: ignore[attr-defined]  # annotated by get_queryset


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """People, their role and team. Privileges stay with superusers:

    - only a superuser sees or sets `is_superuser` and `user_permissions` (groups follow the role,
      so they are shown, read-only, to superusers and set by nobody by hand);
    - anyone else may give only roles without admin access (a user's current role stays a choice,
      so a peer's page still saves), and never sees a superuser: no change, delete or password page.
    `is_staff` is never a field: `user_set_role` derives it from the role on every save.
    """

    list_display = ["username", "get_full_name", "role", "team", "manager", "start_date", "is_active"]
    list_filter = ["role", "team", "is_active", "is_staff"]
    list_select_related = ["team", "manager"]
    search_fields = ["username", "first_name", "last_name", "email", "team__name"]
    autocomplete_fields = ["manager", "team"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "email"]}),
        ("Role and team", {"fields": ["role", "team", "manager", "start_date"]}),
        ("Access", {"fields": ["is_active"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    superuser_fieldsets = [
        *fieldsets[:3],
        ("Access", {"fields": ["is_active", "is_superuser", "groups", "user_permissions"]}),
        fieldsets[4],
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "password1", "password2"]}),
        ("Role and team", {"fields": ["first_name", "last_name", "email", "role", "team", "manager", "start_date"]}),
    ]
    readonly_fields = ["last_login", "date_joined", "groups"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        users = super().get_queryset(request)
        return users if request.user.is_superuser else users.exclude(is_superuser=True)

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        if obj is not None and request.user.is_superuser:
            return self.superuser_fieldsets
        return super().get_fieldsets(request, obj)

    def get_form(self, request: HttpRequest, obj: User | None = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if not request.user.is_superuser and "role" in form.base_fields:
            # Each call builds a new form class, so narrowing its field's choices touches no other request.
            kept = {obj.role} if obj is not None else set()
            cast(forms.ChoiceField, form.base_fields["role"]).choices = [
                (value, label) for value, label in Role.choices if value not in STAFF_ROLES or value in kept
            ]
        return form

    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # The role decides the Groups and admin access; keep them in step with it.
        user_set_role(user=obj, role=obj.role)


class ApiKeyForm(forms.ModelForm):
    """A new key: its scopes (never the leads scopes: those are an integration's, made under Leads),
    the person it acts for (yourself, unless you are a superuser) and an optional expiry."""

    scopes = forms.MultipleChoiceField(
        choices=[(scope.value, scope.label) for scope in Scope if scope not in INTEGRATION_SCOPES],
        widget=forms.CheckboxSelectMultiple,
        help_text="Lead integrations get their key under Leads → Integrations.",
    )

    class Meta:
        model = ApiKey
        fields = ["name", "scopes", "acts_for", "expires_at"]


class KeyKindFilter(admin.SimpleListFilter):
    title = "kind"
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("system", "System keys"), ("integration", "Lead integration keys")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        # A lead integration's key is the one an Integration points to (its reverse one-to-one, as in rotate).
        if self.value() == "integration":
            return queryset.filter(integration__isnull=False)
        if self.value() == "system":
            return queryset.filter(integration__isnull=True)
        return queryset


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Every API key, of two kinds told apart by the "kind" column and filter:

    - system keys (CRM sidebar, reporting…), issued here with their scopes and shown once on their
      own page, then only renamed, given an expiry, rotated or revoked: what a key may do never
      changes after it is shown, so nobody widens a key that is already out there;
    - lead integration keys, issued and rotated under Leads → Integrations (listed here too).
    """

    list_display = [
        "name",
        "kind",
        "prefix",
        "scope_list",
        "acts_for",
        "created_by",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = [KeyKindFilter, ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["acts_for", "created_by", "integration"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "scope_list", "acts_for", "created_at", "created_by", "last_used_at", "revoked_at"]
    actions = ["rotate", "revoke"]

    def get_form(self, request: HttpRequest, obj: ApiKey | None = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = ApiKeyForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("name", "scopes", "acts_for", "expires_at")
        return ("name", "expires_at", *self.readonly_fields)

    def get_readonly_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> list[str]:
        return self.readonly_fields if obj is not None else []

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "acts_for":
            # A key never carries more than its issuer could do.
            people = User.objects.filter(is_active=True)
            kwargs["queryset"] = people if request.user.is_superuser else people.filter(pk=request.user.pk)
            kwargs["initial"] = request.user.pk
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    class Media:
        css = {"all": ["css/admin_authoring.css"]}
        js = ["js/admin_copy.js"]

    @admin.display(description="Kind")
    def kind(self, api_key: ApiKey) -> str:
        return "Lead integration" if hasattr(api_key, "integration") else "System"

    @admin.display(description="Scopes")
    def scope_list(self, api_key: ApiKey) -> str:
        return ", ".join(api_key.scopes)

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        api_key, token = api_key_create(
            name=obj.name,
            scopes=form.cleaned_data["scopes"],
            acts_for=obj.acts_for,
            expires_at=obj.expires_at,
            created_by=cast(User, request.user),
        )
        # The admin's later steps (log entry, response) work on `obj`: make it the saved row.
        obj.__dict__.update(api_key.__dict__)
        # Kept on this request only, for response_add: the key is never stored in clear.
        request.issued_keys = [(api_key, token)]  # type: ignore[attr-defined]

    def response_add(self, request: HttpRequest, obj: ApiKey, post_url_continue: str | None = None) -> HttpResponse:
        issued = getattr(request, "issued_keys", None)
        if issued is None:
            return super().response_add(request, obj, post_url_continue)
        return self.key_page(request, issued)

    def key_page(self, request: HttpRequest, issued: list[tuple[ApiKey, str]]) -> HttpResponse:
        """The page that shows new keys once (it is the answer to the POST that made them)."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Copy the new key now",
            "issued": issued,
            "me_url": request.build_absolute_uri("/api/v1/me"),
            "media": self.media,
        }
        return TemplateResponse(request, "admin/accounts/apikey/key.html", context)

    @admin.action(description="Rotate the selected keys (a new key each; the old ones are revoked)")
    def rotate(self, request: AuthenticatedHttpRequest, queryset: ApiKeyQuerySet) -> HttpResponse | None:
        issued = []
        for api_key in queryset.active().select_related("acts_for"):
            if hasattr(api_key, "integration"):
                self.message_user(
                    request, f"“{api_key.name}” is a lead integration's key: rotate it under Leads.", messages.ERROR
                )
                continue
            issued.append(api_key_rotate(api_key=api_key, by=request.user))
        return self.key_page(request, issued) if issued else None

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request: AuthenticatedHttpRequest, queryset: ApiKeyQuerySet) -> None:
        for api_key in queryset:
            api_key_revoke(api_key=api_key)
        self.message_user(request, f"Revoked {queryset.count()} key(s).", messages.SUCCESS)
