"""Publishing a new version from one form, for the asset's admin page and its portal page alike."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Role, User
from collateral.forms import ReleaseAction, ReleaseForm
from collateral.models import Asset, AssetVersion, VersionStatus
from collateral.services import asset_publish_draft, asset_release


def release(form: ReleaseForm, *, by: User) -> AssetVersion | None:
    """Do what the valid `form` asks; None, with the reason added to the form, if the service refuses."""
    data = form.cleaned_data
    try:
        if form.draft is not None:
            if not form.publishes:
                return form.draft
            return asset_publish_draft(version=form.draft, by=by, announcement=form.announcement())
        return asset_release(
            asset=form.asset,
            by=by,
            version=data["version"],
            file=data.get("file") or None,
            external_url=data.get("external_url") or "",
            changelog=data.get("changelog") or "",
            publish=form.publishes,
            announcement=form.announcement(),
        )
    except ValidationError as error:
        form.add_error("version" if "version" in form.fields else None, error.messages)
        return None


def release_message(form: ReleaseForm, version: AssetVersion) -> str:
    """What happened, said plainly: published (and to whom the update went), or a draft nobody sees."""
    asset = version.asset
    action = form.cleaned_data["action"]
    if action in {ReleaseAction.DRAFT, ReleaseAction.PREVIEW}:
        return f"Saved {asset.asset_id} v{version.version} as a draft: reps do not see it until you publish it."
    when = timezone.localtime(version.published_at).strftime("%Y-%m-%d %H:%M") if version.published_at else ""
    message = f"Published {asset.asset_id} v{version.version} at {when}: reps see it now."
    if action == ReleaseAction.NOTIFY:
        role = dict(Role.choices).get(form.cleaned_data["audience_role"], "")
        teams = ", ".join(team.name for team in form.cleaned_data["audience_teams"]) or "every team"
        message += f" An update about it went to {role or 'every role'} ({teams})."
    return message


def draft_named(asset: Asset, version: str | None) -> AssetVersion | None:
    """The asset's draft `version` (a version saved for preview), or None when none is named."""
    if not version:
        return None
    return get_object_or_404(asset.versions.filter(status=VersionStatus.DRAFT), version=version)


def release_from_request(request: AuthenticatedHttpRequest, asset: Asset) -> tuple[ReleaseForm, AssetVersion | None]:
    """The form of `request` (GET: blank, or the named draft's) and, for a valid POST the service
    accepted, the version it added or published, after saying what happened in a message."""
    draft = draft_named(asset, request.POST.get("draft") or request.GET.get("draft"))
    if request.method != "POST":
        return ReleaseForm(asset=asset, draft=draft), None
    form = ReleaseForm(request.POST, request.FILES, asset=asset, draft=draft)
    version = release(form, by=request.user) if form.is_valid() else None
    if version is not None:
        messages.success(request, release_message(form, version))
    return form, version
