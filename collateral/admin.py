"""Enablement admins curate the library here. django-reversion's VersionAdmin gives every change
a revision (user + comment), and history, compare, revert and "recover deleted"."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.forms import BaseFormSet
from django.http import HttpRequest
from reversion.admin import VersionAdmin

from accounts.http import AuthenticatedHttpRequest
from collateral.forms import VersionFileField
from collateral.models import (
    Asset,
    AssetUsage,
    AssetVersion,
    AssetVersionQuerySet,
    Audience,
    CollateralTag,
    SearchSynonym,
)
from collateral.services import (
    asset_archive,
    asset_archive_version,
    asset_next_id,
    asset_publish_version,
    asset_refresh,
    asset_unarchive,
    search_synonym_save,
    search_synonyms_delete,
)
from collateral.uploads import extension_of


def https_urls(field: models.Field, **kwargs: Any) -> forms.Field | None:
    # A URL typed without a scheme is https (Django 6's default, opted into now).
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


URL_OVERRIDES: dict[type[models.Field], dict[str, Any]] = {models.URLField: {"assume_scheme": "https"}}


class AssetVersionForm(forms.ModelForm):
    file = VersionFileField(required=False)

    class Meta:
        model = AssetVersion
        fields = ["version", "file", "external_url", "changelog"]
        formfield_callback = https_urls

    def save(self, commit: bool = True) -> AssetVersion:
        version = super().save(commit=False)
        upload = self.cleaned_data.get("file")
        if upload and hasattr(upload, "size") and "file" in self.changed_data:
            version.file_size = upload.size
            version.file_extension = extension_of(upload.name)
        if commit:
            version.save()
        return version


class AssetVersionInline(admin.StackedInline):
    """New versions start as drafts; publish or archive them with the actions on Asset versions."""

    model = AssetVersion
    form = AssetVersionForm
    extra = 0
    fields = ["version", "file", "external_url", "changelog", "status", "published_at", "published_by"]
    readonly_fields = ["status", "published_at", "published_by"]
    show_change_link = True
    formfield_overrides = URL_OVERRIDES


class AssetAdminForm(forms.ModelForm):
    class Meta:
        model = Asset
        fields = ["asset_id", "type", "title", "description", "audiences", "tags", "owner", "review_by", "archived_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["asset_id"].required = False

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("asset_id") and data.get("type"):
            data["asset_id"] = asset_next_id(type=data["type"])
            self.instance.asset_id = data["asset_id"]
        return data


@admin.register(Asset)
class AssetAdmin(VersionAdmin):
    form = AssetAdminForm
    list_display = ["asset_id", "title", "type", "current_version", "published_at", "review_by", "archived_at"]
    list_filter = ["type", "archived_at", "review_by"]
    list_select_related = ["current_version"]
    search_fields = ["asset_id", "title", "description"]
    autocomplete_fields = ["owner"]
    filter_horizontal = ["audiences"]
    readonly_fields = ["current_version", "published_at"]
    inlines = [AssetVersionInline]
    actions = ["archive", "unarchive"]

    def save_related(
        self, request: HttpRequest, form: forms.ModelForm, formsets: list[BaseFormSet], change: bool
    ) -> None:
        # After the form, its tags and its versions are saved (also on revert and recover), the
        # asset's current version and search words are recomputed from what is stored now.
        super().save_related(request, form, formsets, change)
        asset_refresh(asset=form.instance)

    @admin.action(description="Archive: hide from reps")
    def archive(self, request: AuthenticatedHttpRequest, queryset: QuerySet) -> None:
        for asset in queryset:
            asset_archive(asset=asset, by=request.user, comment="Archived in admin")
        self.message_user(request, f"Archived {queryset.count()} asset(s).")

    @admin.action(description="Unarchive: show to reps again")
    def unarchive(self, request: AuthenticatedHttpRequest, queryset: QuerySet) -> None:
        for asset in queryset:
            asset_unarchive(asset=asset, by=request.user, comment="Unarchived in admin")
        self.message_user(request, f"Unarchived {queryset.count()} asset(s).")


@admin.register(AssetVersion)
class AssetVersionAdmin(VersionAdmin):
    form = AssetVersionForm
    list_display = ["__str__", "asset", "version", "status", "published_at", "published_by"]
    list_filter = ["status"]
    list_select_related = ["asset", "published_by"]
    search_fields = ["asset__asset_id", "asset__title", "version"]
    readonly_fields = ["status", "published_at", "published_by"]
    autocomplete_fields = ["asset"]
    actions = ["publish", "archive"]
    formfield_overrides = URL_OVERRIDES

    def get_fields(self, request: HttpRequest, obj: AssetVersion | None = None) -> list[str]:
        return ["asset", "version", "file", "external_url", "changelog", "status", "published_at", "published_by"]

    def get_form(
        self, request: HttpRequest, obj: AssetVersion | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        kwargs["fields"] = ["asset", "version", "file", "external_url", "changelog"]
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request: HttpRequest, obj: AssetVersion, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        asset_refresh(asset=obj.asset)

    @admin.action(description="Publish the selected versions")
    def publish(self, request: AuthenticatedHttpRequest, queryset: AssetVersionQuerySet) -> None:
        self._apply(request, queryset, asset_publish_version, "Published")

    @admin.action(description="Archive the selected versions")
    def archive(self, request: AuthenticatedHttpRequest, queryset: AssetVersionQuerySet) -> None:
        self._apply(request, queryset, asset_archive_version, "Archived")

    def _apply(
        self,
        request: AuthenticatedHttpRequest,
        queryset: AssetVersionQuerySet,
        service: Callable[..., AssetVersion],
        verb: str,
    ) -> None:
        for version in queryset.select_related("asset").by_semver():
            try:
                service(version=version, by=request.user, comment=f"{verb} in admin")
            except ValidationError as exc:
                self.message_user(request, f"{version}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"{verb} {version}.")


@admin.register(CollateralTag)
class CollateralTagAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "slug"]
    list_filter = ["kind"]
    list_editable = ["kind"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Audience)
class AudienceAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(SearchSynonym)
class SearchSynonymAdmin(admin.ModelAdmin):
    """Applied from the next search on: saving or deleting one marks the library changed."""

    list_display = ["term", "means"]
    search_fields = ["term", "means"]

    def save_model(self, request: HttpRequest, obj: SearchSynonym, form: forms.ModelForm, change: bool) -> None:
        search_synonym_save(synonym=obj)

    def delete_model(self, request: HttpRequest, obj: SearchSynonym) -> None:
        search_synonyms_delete(synonyms=SearchSynonym.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[SearchSynonym]) -> None:
        search_synonyms_delete(synonyms=queryset)


@admin.register(AssetUsage)
class AssetUsageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "asset", "version", "user", "deal"]
    list_filter = ["kind"]
    list_select_related = ["asset", "version__asset", "user", "deal"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AssetUsage | None = None) -> bool:
        return False
