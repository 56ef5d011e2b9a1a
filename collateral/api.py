"""`/api/v1/collateral`: search and read for CRM sidebars, create and update for enablement admins.

Authentication (decided here, see README "Collateral"):
- GET: an API key (`Authorization: Bearer <key>`, what CRM sidebars hold) or a logged-in
  portal session. Either way only what reps may see is returned (published, not archived).
- POST/PUT: a logged-in session of an enablement admin, with Django's CSRF token in the
  `X-CSRFToken` header (ninja's session auth checks it). API keys belong to systems, not
  people, and carry no role, so a key cannot write: every revision names the admin who made it.
"""

from datetime import date
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.security import SessionAuth

from accounts.auth import ApiKeyAuth
from collateral.models import ASSET_ID_RE, SEMVER_RE, Asset, AssetType, AssetVersion, VersionStatus
from collateral.selectors import AssetPages, LibraryFilters, assets_for_display, assets_matching
from collateral.services import asset_save_from_playbook
from enablement_portal.api import MAX_QUERY_REPEATS, problem_response

router = Router(tags=["collateral"])

# Deeper pages cost a scan of every row before them; a person reads the first few, a system narrows its search.
MAX_OFFSET = 10_000

# Payload field paths for the model fields a ValidationError may name.
FIELD_PATHS = {
    "asset_id": "assetId",
    "type": "type",
    "title": "title",
    "version": "version",
    "status": "status",
    "external_url": "url",
    "file": "url",
    "review_by": "reviewBy",
    "changelog": "changelog",
    "description": "description",
}


class AdminSessionAuth(SessionAuth):
    """A portal session of an enablement admin; CSRF is checked by SessionAuth."""

    def authenticate(self, request: HttpRequest, key: str | None):
        if not request.user.is_authenticated:
            raise AuthenticationError(message="Log in to the portal as an enablement admin to change collateral.")
        if not request.user.is_enablement_admin:
            raise HttpError(403, "Only enablement admins may change collateral.")
        return request.user


class CollateralIn(Schema):
    """One asset and one of its versions, exactly as the playbook writes it."""

    assetId: str | None = Field(None, pattern=ASSET_ID_RE, description="Generated from the type when omitted.")
    type: Literal[tuple(AssetType.values)]  # type: ignore[valid-type]
    title: str = Field(min_length=1, max_length=200)
    version: str = Field(pattern=SEMVER_RE.pattern, description="MAJOR.MINOR.PATCH")
    status: Literal[tuple(VersionStatus.values)] = VersionStatus.DRAFT  # type: ignore[valid-type]
    tags: list[str] = Field(default_factory=list, max_length=50)
    targetAudience: list[str] = Field(default_factory=list, max_length=20)
    url: str = Field(min_length=1, max_length=500, pattern=r"^https?://")
    description: str = ""
    changelog: str = ""
    reviewBy: date | None = None


class VersionOut(Schema):
    version: str
    status: str
    changelog: str
    publishedAt: str | None
    url: str


class CollateralOut(Schema):
    assetId: str
    type: str
    title: str
    description: str
    version: str | None
    status: str
    tags: list[str]
    targetAudience: list[str]
    url: str | None
    permalink: str
    reviewBy: date | None
    stale: bool


class CollateralDetailOut(CollateralOut):
    versions: list[VersionOut]


class CollateralListOut(Schema):
    count: int
    results: list[CollateralOut]


class SearchParams(Schema):
    q: str = Field("", max_length=200)
    tag: list[str] = Field(
        default_factory=list,
        max_length=MAX_QUERY_REPEATS,
        description=f"Tag names or slugs; every one must match (at most {MAX_QUERY_REPEATS}).",
    )
    type: Literal[tuple(AssetType.values)] | None = None  # type: ignore[valid-type]
    audience: str = Field("", max_length=100)
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description=f"At most {MAX_OFFSET}: narrow the search to go deeper.")


def _version_url(request: HttpRequest, version: AssetVersion) -> str:
    if version.external_url:
        return version.external_url
    return request.build_absolute_uri(version.get_absolute_url() + "download/")


def _out(request: HttpRequest, asset: Asset) -> dict:
    current = asset.current_version
    if current is not None:
        current.asset = asset
    return {
        "assetId": asset.asset_id,
        "type": asset.type,
        "title": asset.title,
        "description": asset.description,
        "version": current.version if current else None,
        "status": "archived" if asset.is_archived else ("published" if current else "draft"),
        "tags": [item.tag.name for item in asset.tagged_items.all()],
        "targetAudience": [audience.name for audience in asset.audiences.all()],
        "url": _version_url(request, current) if current else None,
        "permalink": request.build_absolute_uri(asset.get_permalink()),
        "reviewBy": asset.review_by,
        "stale": asset.is_stale(),
    }


def _detail(request: HttpRequest, asset: Asset, *, admin: bool) -> dict:
    versions = asset.versions.by_semver() if admin else asset.versions.published().by_semver()
    out = _out(request, asset)
    out["versions"] = [
        {
            "version": v.version,
            "status": v.status,
            "changelog": v.changelog,
            "publishedAt": v.published_at.isoformat() if v.published_at else None,
            "url": _version_url(request, v),
        }
        for v in versions
    ]
    return out


def _display_one(queryset) -> Asset:
    return assets_for_display(queryset, LibraryFilters()).get()


def _user(request: HttpRequest):
    # An API key is a system, not a person: it sees what reps see.
    return request.user if request.user.is_authenticated else None


@router.get("", response=CollateralListOut, auth=[SessionAuth(), ApiKeyAuth()], summary="Search the library")
def collateral_search(request: HttpRequest, params: Query[SearchParams]) -> dict:
    filters = LibraryFilters(q=params.q, type=params.type or "", audience=params.audience)
    slugs = [tag.strip().lower() for tag in params.tag if tag.strip()]
    assets = assets_matching(user=None, filters=filters, tag_slugs=slugs)
    pages = AssetPages(assets_for_display(assets, LibraryFilters(q=params.q)))
    results = list(pages[params.offset : params.offset + params.limit])
    return {"count": assets.count(), "results": [_out(request, asset) for asset in results]}


@router.get(
    "/{asset_id}",
    response=CollateralDetailOut,
    auth=[SessionAuth(), ApiKeyAuth()],
    summary="An asset: current version and version history",
)
def collateral_detail(request: HttpRequest, asset_id: str) -> dict:
    user = _user(request)
    asset = get_object_or_404(assets_for_display(Asset.objects.for_user(user), LibraryFilters()), asset_id=asset_id)
    return _detail(request, asset, admin=bool(user and user.is_enablement_admin))


def _validation_problem(exc: ValidationError) -> HttpResponse:
    errors = []
    for name, messages in exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]:
        path = FIELD_PATHS.get(name, "" if name == "__all__" else name)
        errors.extend({"path": path, "message": message} for message in messages)
    return problem_response(
        status=422, title="Unprocessable content", detail=" ".join(e["message"] for e in errors), errors=errors
    )


@router.post(
    "",
    response={201: CollateralDetailOut},
    auth=AdminSessionAuth(),
    summary="Create an asset with a version (enablement admins)",
)
def collateral_create(request: HttpRequest, payload: CollateralIn):
    if payload.assetId and Asset.objects.filter(asset_id=payload.assetId).exists():
        return problem_response(
            status=409,
            title="Conflict",
            detail=f"Asset {payload.assetId} exists: use PUT /api/v1/collateral/{payload.assetId} to change it.",
            errors=[{"path": "assetId", "message": "is already taken"}],
        )
    try:
        asset = asset_save_from_playbook(payload=payload.dict(), by=request.user)
    except ValidationError as exc:
        return _validation_problem(exc)
    return Status(201, _detail(request, _display_one(Asset.objects.filter(pk=asset.pk)), admin=True))


@router.put(
    "/{asset_id}",
    response=CollateralDetailOut,
    auth=AdminSessionAuth(),
    summary="Change an asset and add, publish or archive one of its versions (enablement admins)",
)
def collateral_update(request: HttpRequest, asset_id: str, payload: CollateralIn):
    asset = get_object_or_404(Asset, asset_id=asset_id)
    if payload.assetId and payload.assetId != asset_id:
        return problem_response(
            status=422,
            title="Unprocessable content",
            detail="The assetId in the body differs from the one in the URL.",
            errors=[{"path": "assetId", "message": f"must be {asset_id} (the asset in the URL)"}],
        )
    try:
        asset = asset_save_from_playbook(payload=payload.dict(), by=request.user, asset=asset)
    except ValidationError as exc:
        return _validation_problem(exc)
    return _detail(request, _display_one(Asset.objects.filter(pk=asset.pk)), admin=True)
