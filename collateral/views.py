from dataclasses import replace
from urllib.parse import urlencode

import rules
from csp.constants import SELF
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import permission_required
from accounts.http import AuthenticatedHttpRequest
from collateral.forms import ReleaseAction, ReleaseForm, ShareToDealForm
from collateral.models import Asset, AssetVersion, UsageKind
from collateral.release import release_from_request
from collateral.selectors import (
    SORTS,
    AssetPages,
    CountedPaginator,
    LibraryFilters,
    asset_versions_for,
    assets_for_display,
    assets_matching,
    library_counts,
    relax,
    stale_assets,
    version_newer_than,
)
from collateral.services import asset_record_usage, asset_share_to_deal
from collateral.uploads import CONTENT_TYPES

PAGE_SIZE = 20
# Results shown in the empty state, from the relaxed search.
RELAXED_SHOWN = 5


@permission_required("collateral.view_library")
@require_GET
def library(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = LibraryFilters.from_query(request.GET)
    assets = assets_matching(user=request.user, filters=filters)
    counts = library_counts(assets=assets, filters=filters)
    paginator = CountedPaginator(AssetPages(assets_for_display(assets, filters)), PAGE_SIZE, count=counts.total)
    # Nothing found: offer the nearest results (the most restrictive filter dropped, or near words).
    relaxed = relax(user=request.user, filters=filters) if counts.total == 0 and filters.is_filtered else None
    context = {
        "filters": filters,
        "understood": filters.understood,
        "page": paginator.get_page(request.GET.get("page")),
        "counts": counts,
        "facets": counts.facets,
        "sorts": SORTS,
        "chips": [(chip, _library_url(filters.without(chip))) for chip in filters.chips],
        "clear_url": _library_url(filters.cleared()),
        "literal_url": _library_url(replace(filters, literal=True)),
        "relaxed": relaxed,
        "relaxed_url": _library_url(relaxed.filters) if relaxed else "",
        "relaxed_assets": list(
            AssetPages(
                assets_for_display(assets_matching(user=request.user, filters=relaxed.filters), relaxed.filters)
            )[:RELAXED_SHOWN]
        )
        if relaxed
        else [],
    }
    # htmx asks for the results only (live search as you type); a normal request gets the page,
    # and so does htmx restoring a pushed URL that fell out of its history cache.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "collateral/partials/results.html" if partial else "collateral/library.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-History-Restore-Request"])
    return response


def _library_url(filters: LibraryFilters) -> str:
    params = filters.params()
    return reverse("collateral:library") + (f"?{urlencode(params)}" if params else "")


def _visible_asset(request: AuthenticatedHttpRequest, asset_id: str) -> Asset:
    return get_object_or_404(
        Asset.objects.for_user(request.user).select_related("current_version", "owner"), asset_id=asset_id
    )


def _render_asset(
    request: AuthenticatedHttpRequest,
    asset: Asset,
    version: AssetVersion | None,
    form: ShareToDealForm | None = None,
    status: int = 200,
) -> HttpResponse:
    # rules' own check (the view's rule) skips the model backend's permission queries.
    publisher = rules.has_perm("collateral.publish_version", request.user)
    if version is not None and status == 200:
        asset_record_usage(asset=asset, version=version, kind=UsageKind.VIEW, user=request.user)
    context = {
        "asset": asset,
        "version": version,
        "newer": version_newer_than(version) if version else None,
        "versions": asset_versions_for(user=request.user, asset=asset),
        "tags": asset.tagged_items.select_related("tag").order_by("tag__kind", "tag__name"),
        "share_form": form or ShareToDealForm(user=request.user),
        "permalink": request.build_absolute_uri(asset.get_permalink()),
        # Enablement admins publish the next version from the asset's page.
        "release_form": ReleaseForm(asset=asset) if publisher else None,
        "release_url": reverse("collateral:publish", args=[asset.asset_id]),
    }
    return render(request, "collateral/asset.html", context, status=status)


@permission_required("collateral.view_library")
@require_GET
def asset_detail(request: AuthenticatedHttpRequest, asset_id: str) -> HttpResponse:
    asset = _visible_asset(request, asset_id)
    return _render_asset(request, asset, asset.current_version)


@permission_required("collateral.view_library")
@require_GET
def version_detail(request: AuthenticatedHttpRequest, asset_id: str, version: str) -> HttpResponse:
    asset = _visible_asset(request, asset_id)
    shown = get_object_or_404(asset_versions_for(user=request.user, asset=asset), version=version)
    shown.asset = asset
    return _render_asset(request, asset, shown)


@permission_required("collateral.view_library")
@require_POST
def share(request: AuthenticatedHttpRequest, asset_id: str) -> HttpResponse:
    asset = _visible_asset(request, asset_id)
    form = ShareToDealForm(request.POST, user=request.user)
    if not form.is_valid():
        return _render_asset(request, asset, asset.current_version, form=form, status=400)
    try:
        asset_share_to_deal(asset=asset, deal=form.cleaned_data["deal"], by=request.user)
    except ValidationError as exc:
        form.add_error(None, exc)
        return _render_asset(request, asset, asset.current_version, form=form, status=400)
    messages.success(
        request,
        f"Shared {asset.asset_id} v{asset.current_version.version} on {form.cleaned_data['deal']}.",  # type: ignore[union-attr]  # shared, so published
    )
    return redirect(asset)


@permission_required("collateral.publish_version")
def publish(request: AuthenticatedHttpRequest, asset_id: str) -> HttpResponse:
    """A new version in one step: preview it (saved as a draft and shown here), save it as a draft,
    publish it, or publish it and post an update; or the same for the draft named in `?draft=`."""
    asset = _visible_asset(request, asset_id)
    form, version = release_from_request(request, asset)
    if version is not None:
        if form.cleaned_data["action"] == ReleaseAction.PREVIEW:
            return redirect(f"{reverse('collateral:publish', args=[asset.asset_id])}?draft={version.version}")
        return redirect(version)
    context = {"asset": asset, "release_form": form, "release_url": request.get_full_path()}
    return render(request, "collateral/publish.html", context, status=400 if request.method == "POST" else 200)


def _serve(request: AuthenticatedHttpRequest, asset: Asset, version: AssetVersion) -> HttpResponseBase:
    if version.is_published:
        # An admin's look at a draft (the publish preview) is not use.
        asset_record_usage(asset=asset, version=version, kind=UsageKind.DOWNLOAD, user=request.user)
    if not version.file:
        return HttpResponseRedirect(version.external_url)
    # Inline only where a browser shows the file itself (PDF, images); everything else downloads.
    inline = request.GET.get("inline") == "1" and version.previewable
    response = FileResponse(
        version.file.open("rb"),
        as_attachment=not inline,
        filename=f"{asset.asset_id}-v{version.version}.{version.file_extension}",
        content_type=CONTENT_TYPES.get(version.file_extension, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    if inline:
        # The publish page shows a PDF in a frame: this origin may frame it, no other.
        response["X-Frame-Options"] = "SAMEORIGIN"
        response._csp_replace = {"frame-ancestors": [SELF]}  # type: ignore[attr-defined]  # read by django-csp
    response["Cache-Control"] = "private, no-store"
    return response


@permission_required("collateral.view_library")
@require_GET
def download(request: AuthenticatedHttpRequest, asset_id: str, version: str) -> HttpResponseBase:
    asset = _visible_asset(request, asset_id)
    shown = get_object_or_404(asset_versions_for(user=request.user, asset=asset), version=version)
    return _serve(request, asset, shown)


@permission_required("collateral.view_library")
@require_GET
def permalink(request: AuthenticatedHttpRequest, asset_id: str) -> HttpResponse:
    asset = _visible_asset(request, asset_id)
    if asset.current_version is None:
        raise Http404("This asset has no published version.")
    return redirect("collateral:version", asset_id=asset.asset_id, version=asset.current_version.version)


@permission_required("collateral.view_library")
@require_GET
def permalink_download(request: AuthenticatedHttpRequest, asset_id: str) -> HttpResponseBase:
    asset = _visible_asset(request, asset_id)
    if asset.current_version is None:
        raise Http404("This asset has no published version.")
    return _serve(request, asset, asset.current_version)


@permission_required("collateral.review_stale")
@require_GET
def stale(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "collateral/stale.html", {"assets": stale_assets(user=request.user)})
