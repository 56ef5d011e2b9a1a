"""Enablement admins curate the library here. django-reversion-compare's CompareAdmin gives
every change a revision (user + comment), and history, a field-by-field compare of any two
revisions (text diffs), revert from that compare, and "recover deleted"."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.forms import BaseFormSet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from accounts.http import AuthenticatedHttpRequest
from collateral.forms import ReleaseAction, VersionFileField
from collateral.models import (
    Asset,
    AssetUsage,
    AssetVersion,
    AssetVersionQuerySet,
    Audience,
    CollateralTag,
    SearchSynonym,
)
from collateral.release import release_from_request
from collateral.services import (
    asset_archive,
    asset_archive_version,
    asset_next_id,
    asset_publish_version,
    asset_refresh,
    asset_unarchive,
    assets_relabel,
    assets_set_review_by,
    search_synonym_save,
    search_synonyms_delete,
)
from collateral.uploads import extension_of
from enablement_portal.admin import CompareAdmin
from enablement_portal.csv import csv_response


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


class AssetStatus(models.TextChoices):
    DRAFT = "draft", "Draft (no published version)"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


def asset_status(asset: Asset) -> str:
    if asset.archived_at is not None:
        return AssetStatus.ARCHIVED
    return AssetStatus.PUBLISHED if asset.current_version_id else AssetStatus.DRAFT


class AssetStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return list(AssetStatus.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == AssetStatus.ARCHIVED:
            return queryset.filter(archived_at__isnull=False)
        if self.value() == AssetStatus.PUBLISHED:
            return queryset.filter(archived_at__isnull=True, current_version__isnull=False)
        if self.value() == AssetStatus.DRAFT:
            return queryset.filter(archived_at__isnull=True, current_version__isnull=True)
        return queryset


class ReviewByForm(forms.Form):
    review_by = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="Empty: no review due."
    )


class RelabelForm(forms.Form):
    add_tags = forms.CharField(required=False, help_text="Comma-separated tag names; new ones are created.")
    remove_tags = forms.CharField(required=False, help_text="Comma-separated tag names.")
    add_audiences = forms.CharField(required=False, help_text="Comma-separated audiences; new ones are created.")
    remove_audiences = forms.CharField(required=False, help_text="Comma-separated audiences.")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for name in self.fields:
            data[name] = [part.strip() for part in (data.get(name) or "").split(",") if part.strip()]
        if not any(data[name] for name in self.fields):
            raise ValidationError("Name at least one tag or audience to add or remove.")
        return data


def draft_message(version: AssetVersion) -> str:
    return (
        f"{version.asset.asset_id} v{version.version} is a {version.get_status_display().lower()}: reps do not see it. "
        "Publish it from the asset's “Publish new version” page or with the action on Asset versions."
    )


@admin.register(Asset)
class AssetAdmin(CompareAdmin):
    """The library's assets. "Publish new version" (object tools) adds, previews and publishes a
    version from one form; bulk actions archive, set a review-by date and relabel many at once;
    "Export CSV" downloads the filtered list."""

    form = AssetAdminForm
    list_display = ["asset_id", "title", "type", "status", "current_version", "published_at", "review_by"]
    list_filter = [AssetStatusFilter, "type", "review_by"]
    list_select_related = ["current_version"]
    search_fields = ["asset_id", "title", "description"]
    autocomplete_fields = ["owner"]
    filter_horizontal = ["audiences"]
    readonly_fields = ["current_version", "published_at"]
    inlines = [AssetVersionInline]
    actions = ["archive", "unarchive", "set_review_by", "relabel"]
    # Left out of compare: what asset_refresh derives (the tags show through their tagged items).
    compare_exclude = ["tags", "search_text", "facet_tags", "facet_audiences", "search_vector"]
    change_form_template = "admin/collateral/asset/change_form.html"
    change_list_template = "admin/collateral/asset/change_list.html"

    class Media:
        css = {"all": ["css/admin_authoring.css"]}

    @admin.display(description="Status")
    def status(self, asset: Asset) -> str:
        return AssetStatus(asset_status(asset)).label

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<path:object_id>/publish/",
                self.admin_site.admin_view(self.publish_view),
                name="collateral_asset_publish",
            ),
            path("export.csv", self.admin_site.admin_view(self.export_csv), name="collateral_asset_export"),
        ]
        return [*own, *super().get_urls()]

    def publish_view(self, request: AuthenticatedHttpRequest, object_id: str) -> HttpResponse:
        """A new version in one form (see collateral.release), previewed here before publishing."""
        asset = self.get_object(request, object_id)
        if asset is None:
            raise Http404("No such asset.")
        if not self.has_change_permission(request, asset):
            raise PermissionDenied
        form, version = release_from_request(request, asset)
        here = reverse("admin:collateral_asset_publish", args=[asset.pk])
        if version is not None:
            if form.cleaned_data["action"] == ReleaseAction.PREVIEW:
                return redirect(f"{here}?draft={version.version}")
            return redirect("admin:collateral_asset_change", asset.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "asset": asset,
            "title": f"Publish a new version of {asset.asset_id}",
            "release_form": form,
            "release_url": request.get_full_path(),
        }
        status = 400 if request.method == "POST" else 200
        return TemplateResponse(request, "admin/collateral/asset/publish.html", context, status=status)

    def export_csv(self, request: HttpRequest) -> HttpResponse:
        """The changelist as filtered and searched now, as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        assets = (
            changelist.get_queryset(request)
            .select_related("current_version", "owner")
            .prefetch_related("tags", "audiences")
        )
        header = ["asset id", "title", "type", "status", "current version", "published at", "review by"]
        header += ["owner", "tags", "audiences"]
        rows = (
            [
                asset.asset_id,
                asset.title,
                asset.get_type_display(),
                asset_status(asset),
                asset.current_version.version if asset.current_version else "",
                asset.published_at.date() if asset.published_at else None,
                asset.review_by,
                asset.owner.get_username() if asset.owner else "",
                ", ".join(sorted(tag.name for tag in asset.tags.all())),
                ", ".join(sorted(audience.name for audience in asset.audiences.all())),
            ]
            for asset in assets
        )
        return csv_response(f"assets-{timezone.localdate().isoformat()}.csv", header, rows)

    def save_related(
        self, request: HttpRequest, form: forms.ModelForm, formsets: list[BaseFormSet], change: bool
    ) -> None:
        # After the form, its tags and its versions are saved (also on revert and recover), the
        # asset's current version and search words are recomputed from what is stored now.
        super().save_related(request, form, formsets, change)
        asset_refresh(asset=form.instance)
        for formset in formsets:
            for version in getattr(formset, "new_objects", []):
                if isinstance(version, AssetVersion) and not version.is_published:
                    self.message_user(request, draft_message(version), messages.WARNING)

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

    @admin.action(description="Set the review-by date")
    def set_review_by(self, request: AuthenticatedHttpRequest, queryset: QuerySet) -> HttpResponse | None:
        form = self._action_form(request, ReviewByForm)
        if not form.is_valid():
            return self._action_page(request, queryset, form, "set_review_by", "Set the review-by date")
        count = assets_set_review_by(assets=queryset, review_by=form.cleaned_data["review_by"], by=request.user)
        when = form.cleaned_data["review_by"]
        self.message_user(request, f"Set the review-by date of {count} asset(s) to {when or 'none'}.")
        return None

    @admin.action(description="Add or remove tags and audiences")
    def relabel(self, request: AuthenticatedHttpRequest, queryset: QuerySet) -> HttpResponse | None:
        form = self._action_form(request, RelabelForm)
        if not form.is_valid():
            return self._action_page(request, queryset, form, "relabel", "Add or remove tags and audiences")
        count = assets_relabel(assets=queryset, by=request.user, **form.cleaned_data)
        self.message_user(request, f"Changed the tags and audiences of {count} asset(s).")
        return None

    def _action_form(self, request: HttpRequest, form_class: type[forms.Form]) -> forms.Form:
        # The action's own page posts back with "apply"; the first post (from the list) is unbound.
        return form_class(request.POST if "apply" in request.POST else None)

    def _action_page(
        self, request: HttpRequest, queryset: QuerySet, form: forms.Form, action: str, title: str
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "form": form,
            "action": action,
            "assets": queryset,
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
        }
        return TemplateResponse(request, "admin/collateral/asset/bulk_action.html", context)


@admin.register(AssetVersion)
class AssetVersionAdmin(CompareAdmin):
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
        if not obj.is_published:
            self.message_user(request, draft_message(obj), messages.WARNING)

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
