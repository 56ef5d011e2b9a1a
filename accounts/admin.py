from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from accounts.models import STAFF_ROLES, ApiKey, Role, Team, User
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
        return team.member_count


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

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None):
        if obj is not None and request.user.is_superuser:
            return self.superuser_fieldsets
        return super().get_fieldsets(request, obj)

    def get_form(self, request: HttpRequest, obj: User | None = None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if not request.user.is_superuser and "role" in form.base_fields:
            # Each call builds a new form class, so narrowing its field's choices touches no other request.
            kept = {obj.role} if obj is not None else set()
            form.base_fields["role"].choices = [
                (value, label) for value, label in Role.choices if value not in STAFF_ROLES or value in kept
            ]
        return form

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
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

    def get_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> list[str]:
        return ["name"] if obj is None else ["name", *self.readonly_fields]

    def save_model(self, request: HttpRequest, obj: ApiKey, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        api_key, token = api_key_create(name=obj.name, created_by=request.user)
        # The admin's later steps (log entry, redirect) work on `obj`: make it the saved row.
        obj.__dict__.update(api_key.__dict__)
        messages.warning(
            request, f"The key for “{obj.name}” is {token} — copy it now: it is stored hashed and is not shown again."
        )

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        for api_key in queryset:
            api_key_revoke(api_key=api_key)
        self.message_user(request, f"Revoked {queryset.count()} key(s).", messages.SUCCESS)
