"""`/api/v1/collateral`: search and read for CRM sidebars, create and update for enablement admins.

Authentication (decided here, see README "Collateral"):
- GET: a logged-in portal session, or an API key with `collateral:read` (what CRM sidebars
  hold). A key that acts for no person is a system and sees what reps see (published, not
  archived); a key acting for a person sees what that person sees.
- POST/PUT: an enablement admin, by portal session (with Django's CSRF token in the
  `X-CSRFToken` header) or by a key with `collateral:write` acting for them: every revision
  names the admin who made it.
"""

from datetime import date
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from accounts.auth import PersonAuth, ReaderAuth, person_of
from accounts.http import PersonApiRequest, ReaderApiRequest
from accounts.models import Scope, User
from collateral.models import ASSET_ID_RE, SEMVER_RE, Asset, AssetType, AssetVersion, VersionStatus
from collateral.search import Chip
from collateral.selectors import (
    COUNT_CAP,
    AssetPages,
    LibraryFilters,
    asset_versions_for,
    assets_for_display,
    assets_matching,
    count_capped,
    relax,
)
from collateral.services import asset_save_from_playbook
from enablement_portal.api_input import MAX_QUERY_REPEATS
from enablement_portal.problems import Problem, documented_problems, field_paths

router = Router(tags=["collateral"], auth=ReaderAuth(Scope.COLLATERAL_READ))
# Enablement admins hold the collateral change permissions (collateral's role grants).
EDITOR = PersonAuth(Scope.COLLATERAL_WRITE, permission="collateral.change_asset")

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


class ChipOut(Schema):
    param: str = Field(description="The filter: type, audience, industry, use_case or competitor.")
    value: str
    label: str
    words: list[str] = Field(description="The query words that named it; empty for a filter given as a parameter.")


class NearestOut(Schema):
    """What a search that found nothing offers instead."""

    removedFilters: list[ChipOut] = Field(description="Filters dropped, the most restrictive first.")
    q: str = Field(description="The words searched: the query's own, or the library's nearest words.")
    results: list[CollateralOut]


class CollateralListOut(Schema):
    count: int
    countCapped: bool = Field(description="More than `count` matched (a search counts up to 1,000).")
    searchedFor: str | None = Field(description="The query as searched when words were corrected (else null).")
    chips: list[ChipOut] = Field(description="Filters in force: the parameters', then those the words named.")
    nearest: NearestOut | None = Field(description="When nothing matched: the nearest results.")
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
    literal: bool = Field(False, description="Search the words as given: no typo correction.")
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


def _detail(request: HttpRequest, asset: Asset, *, user: User | None) -> dict[str, Any]:
    versions = asset_versions_for(user=user, asset=asset)
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


def _display_one(queryset: QuerySet[Asset]) -> Asset:
    return assets_for_display(queryset, LibraryFilters()).get()


def _chip(chip: Chip) -> dict[str, Any]:
    return {"param": chip.param, "value": chip.value, "label": chip.label, "words": list(chip.words)}


@router.get("", response=CollateralListOut, summary="Search the library")
def collateral_search(request: HttpRequest, params: Query[SearchParams]) -> dict:
    filters = LibraryFilters(q=params.q, type=params.type or "", audience=params.audience, literal=params.literal)
    slugs = [tag.strip().lower() for tag in params.tag if tag.strip()]
    assets = assets_matching(user=None, filters=filters, tag_slugs=slugs)
    pages = AssetPages(assets_for_display(assets, LibraryFilters(q=params.q, literal=params.literal)))
    results = list(pages[params.offset : params.offset + params.limit])
    count, capped = count_capped(assets, COUNT_CAP) if filters.is_filtered or slugs else (assets.count(), False)
    nearest = None
    if count == 0 and (filters.is_filtered or slugs) and not slugs:
        relaxed = relax(user=None, filters=filters)
        if relaxed is not None:
            found = AssetPages(assets_for_display(assets_matching(user=None, filters=relaxed.filters), relaxed.filters))
            nearest = {
                "removedFilters": [_chip(chip) for chip in relaxed.removed],
                "q": relaxed.filters.q,
                "results": [_out(request, asset) for asset in found[: params.limit]],
            }
    return {
        "count": count,
        "countCapped": capped,
        "searchedFor": filters.understood.corrected or None,
        "chips": [_chip(chip) for chip in filters.chips],
        "nearest": nearest,
        "results": [_out(request, asset) for asset in results],
    }


@router.get(
    "/{asset_id}",
    response=CollateralDetailOut,
    summary="An asset: current version and version history",
)
def collateral_detail(request: ReaderApiRequest, asset_id: str) -> dict[str, Any]:
    user = person_of(request)
    asset = get_object_or_404(assets_for_display(Asset.objects.for_user(user), LibraryFilters()), asset_id=asset_id)
    return _detail(request, asset, user=user)


@router.post(
    "",
    response={201: CollateralDetailOut},
    auth=EDITOR,
    summary="Create an asset with a version (enablement admins)",
    openapi_extra={"responses": documented_problems(409)},
)
def collateral_create(request: PersonApiRequest, payload: CollateralIn) -> Status[dict[str, Any]]:
    if payload.assetId and Asset.objects.filter(asset_id=payload.assetId).exists():
        raise Problem(
            status=409,
            detail=f"Asset {payload.assetId} exists: use PUT /api/v1/collateral/{payload.assetId} to change it.",
            errors=[{"path": "assetId", "message": "is already taken"}],
        )
    with field_paths(FIELD_PATHS):
        asset = asset_save_from_playbook(payload=payload.dict(), by=request.auth)
    return Status(201, _detail(request, _display_one(Asset.objects.filter(pk=asset.pk)), user=request.auth))


@router.put(
    "/{asset_id}",
    response=CollateralDetailOut,
    auth=EDITOR,
    summary="Change an asset and add, publish or archive one of its versions (enablement admins)",
)
def collateral_update(request: PersonApiRequest, asset_id: str, payload: CollateralIn) -> dict[str, Any]:
    asset = get_object_or_404(Asset, asset_id=asset_id)
    if payload.assetId and payload.assetId != asset_id:
        raise ValidationError({"assetId": f"must be {asset_id} (the asset in the URL)"})
    with field_paths(FIELD_PATHS):
        asset = asset_save_from_playbook(payload=payload.dict(), by=request.auth, asset=asset)
    return _detail(request, _display_one(Asset.objects.filter(pk=asset.pk)), user=request.auth)
