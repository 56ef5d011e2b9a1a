from typing import cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from accounts.http import AuthenticatedHttpRequest
from accounts.models import ApiKey, Team, User
from accounts.services import api_key_create, api_key_revoke, user_set_role


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
    list_display = ["username", "get_full_name", "role", "team", "manager", "start_date", "is_active"]
    list_filter = ["role", "team", "is_active", "is_staff"]
    list_select_related = ["team", "manager"]
    search_fields = ["username", "first_name", "last_name", "email", "team__name"]
    autocomplete_fields = ["manager", "team"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "email"]}),
        ("Role and team", {"fields": ["role", "team", "manager", "start_date"]}),
        ("Access", {"fields": ["is_active", "is_superuser", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "password1", "password2"]}),
        ("Role and team", {"fields": ["first_name", "last_name", "email", "role", "team", "manager", "start_date"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # The role decides the Groups and admin access; keep them in step with it.
        user_set_role(user=obj, role=obj.role)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> tuple[str, ...]:
        return ("name",) if obj is None else ("name", *self.readonly_fields)

    def save_model(self, request: HttpRequest, obj: ApiKey, form: forms.ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        api_key, token = api_key_create(name=obj.name, created_by=cast(User, request.user))
        # The admin's later steps (log entry, redirect) work on `obj`: make it the saved row.
        obj.__dict__.update(api_key.__dict__)
        messages.warning(
            request, f"The key for “{obj.name}” is {token} — copy it now: it is stored hashed and is not shown again."
        )

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request: AuthenticatedHttpRequest, queryset: QuerySet) -> None:
        for api_key in queryset:
            api_key_revoke(api_key=api_key)
        self.message_user(request, f"Revoked {queryset.count()} key(s).", messages.SUCCESS)
