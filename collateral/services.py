"""Writes to the collateral library. Each change is one django-reversion revision with its user
and comment, so admin history can compare and revert it."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any

import reversion
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import IntegerField, Max, QuerySet
from django.db.models.functions import Cast, Substr
from django.utils import timezone

from accounts.models import User
from collateral.models import (
    ASSET_ID_PREFIX,
    Asset,
    AssetType,
    AssetUsage,
    AssetVersion,
    Audience,
    CollateralTag,
    SearchSynonym,
    TagKind,
    UsageKind,
    VersionStatus,
    parse_semver,
)
from collateral.search.lexicon import library_changed, type_search_words, vocabulary_add
from collateral.signals import Announcement, version_announced
from collateral.uploads import check_upload

if TYPE_CHECKING:
    from pipeline.models import Deal

# Tags whose kind is not given take one from these words; admins can change it in admin.
INDUSTRIES = frozenset(
    {
        "fintech",
        "banking",
        "insurance",
        "healthcare",
        "retail",
        "ecommerce",
        "manufacturing",
        "logistics",
        "telecom",
        "media",
        "education",
        "government",
        "energy",
        "saas",
        "software",
        "technology",
        "finance",
        "entertainment",
        "medical",
        "marketing",
        "services",
        "telecommunications",
        "automotive",
        "pharma",
    }
)
COMPETITOR_PREFIX = "competitor_"
ALLOWED_TRANSITIONS = {
    VersionStatus.DRAFT: {VersionStatus.PUBLISHED, VersionStatus.ARCHIVED},
    VersionStatus.PUBLISHED: {VersionStatus.ARCHIVED},
    VersionStatus.ARCHIVED: set(),
}


@contextmanager
def _revision(by: User | None, comment: str) -> Iterator[None]:
    with transaction.atomic(), reversion.create_revision():
        # Nested services join the outer revision, which keeps the outer comment and user.
        if by is not None and reversion.get_user() is None:
            reversion.set_user(by)
        if not reversion.get_comment():
            reversion.set_comment(comment)
        yield


def tag_kind_for(name: str) -> str:
    if name.startswith(COMPETITOR_PREFIX):
        return TagKind.COMPETITOR
    if name in INDUSTRIES:
        return TagKind.INDUSTRY
    return TagKind.OTHER


def tags_get_or_create(names: Iterable[str], kinds: dict[str, str] | None = None) -> list[CollateralTag]:
    """The tags named, created with a kind (given, or guessed by tag_kind_for) when new."""
    names = list(dict.fromkeys(name.strip() for name in names if name.strip()))
    existing = {tag.name: tag for tag in CollateralTag.objects.filter(name__in=names)}
    for name in names:
        if name not in existing:
            tag = CollateralTag(name=name, kind=(kinds or {}).get(name) or tag_kind_for(name))
            tag.full_clean(exclude=["slug"])
            tag.save()
            existing[name] = tag
    return [existing[name] for name in names]


def audiences_get_or_create(names: Iterable[str]) -> list[Audience]:
    names = list(dict.fromkeys(name.strip() for name in names if name.strip()))
    existing = {a.name: a for a in Audience.objects.filter(name__in=names)}
    missing = [Audience(name=name) for name in names if name not in existing]
    for audience in Audience.objects.bulk_create(missing):
        existing[audience.name] = audience
    return [existing[name] for name in names]


def asset_next_id(*, type: str) -> str:
    prefix = ASSET_ID_PREFIX[AssetType(type)]
    highest = Asset.objects.filter(asset_id__startswith=f"{prefix}-").aggregate(
        n=Max(Cast(Substr("asset_id", len(prefix) + 2), IntegerField()))
    )["n"]
    return f"{prefix}-{(highest or 0) + 1:04d}"


def asset_refresh(*, asset: Asset) -> Asset:
    """Recompute what the asset keeps about its versions, tags and audiences: the current
    (highest published) version, when it was published, the words that search reads and the
    ids that facets count; add its words to the vocabulary and mark the library changed."""
    current = asset.versions.published().by_semver().first()
    tags = list(asset.tags.order_by("pk"))
    audiences = list(asset.audiences.order_by("pk"))
    asset.current_version = current
    asset.published_at = current.published_at if current else None
    asset.search_text = search_text_for(asset, tags, audiences)
    asset.facet_tags = [tag.pk for tag in tags]
    asset.facet_audiences = [audience.pk for audience in audiences]
    asset.save(update_fields=["current_version", "published_at", "search_text", "facet_tags", "facet_audiences"])
    # Typos are corrected against these words from the next search on, in every process.
    vocabulary_add([asset.title, asset.search_text])
    library_changed()
    return asset


def search_text_for(asset: Asset, tags: Iterable[CollateralTag], audiences: Iterable[Audience]) -> str:
    """Search's second column (weight B): the tags, the type as reps name it, the audiences."""
    return " ".join([*sorted(tag.label for tag in tags), type_search_words(asset.type), *(a.name for a in audiences)])


def asset_create(
    *,
    by: User | None,
    type: str,
    title: str,
    asset_id: str = "",
    description: str = "",
    tags: Iterable[str] = (),
    audiences: Iterable[str] = (),
    owner: User | None = None,
    review_by: date | None = None,
    comment: str = "Created",
) -> Asset:
    with _revision(by, comment):
        asset = Asset(
            asset_id=asset_id or asset_next_id(type=type),
            type=type,
            title=title,
            description=description,
            owner=owner or by,
            review_by=review_by,
        )
        asset.full_clean()
        asset.save()
        asset.tags.set(tags_get_or_create(tags))
        asset.audiences.set(audiences_get_or_create(audiences))
        return asset_refresh(asset=asset)


def asset_update(*, asset: Asset, by: User | None, comment: str = "Changed", **fields: Any) -> Asset:
    """Change the asset's fields; `tags` and `audiences` (lists of names) replace the old ones."""
    tags = fields.pop("tags", None)
    audiences = fields.pop("audiences", None)
    with _revision(by, comment):
        for name, value in fields.items():
            setattr(asset, name, value)
        asset.full_clean()
        asset.save()
        if tags is not None:
            asset.tags.set(tags_get_or_create(tags))
        if audiences is not None:
            asset.audiences.set(audiences_get_or_create(audiences))
        return asset_refresh(asset=asset)


def asset_add_version(
    *,
    asset: Asset,
    by: User | None,
    version: str,
    file: UploadedFile | None = None,
    external_url: str = "",
    changelog: str = "",
    comment: str = "",
) -> AssetVersion:
    """A new draft version of `asset`, from an upload (checked: size, extension, content) or a URL."""
    with _revision(by, comment or f"Added version {version}"):
        new = AssetVersion(asset=asset, version=version, external_url=external_url, changelog=changelog)
        if file is not None:
            new.file_extension = check_upload(file)
            new.file_size = file.size
            new.file = file
        new.full_clean()
        new.save()
        return new


def _check_publishable(version: AssetVersion) -> None:
    current = version.asset.versions.published().by_semver().exclude(pk=version.pk).first()
    if current and parse_semver(version.version) <= current.semver:
        raise ValidationError(
            {
                "version": f"Version {version.version} is not higher than the current version {current.version}: "
                "publish a higher version instead."
            }
        )


def _check_transition(version: AssetVersion, status: str) -> None:
    if status not in ALLOWED_TRANSITIONS[VersionStatus(version.status)]:
        raise ValidationError({"status": f"A {version.get_status_display().lower()} version cannot become {status}."})


def asset_publish_version(*, version: AssetVersion, by: User | None, comment: str = "") -> AssetVersion:
    """Publish a draft. Refused when it is not higher than the current version."""
    with _revision(by, comment or f"Published version {version.version}"):
        # Locks the version and its asset row: two concurrent publishes of one asset queue up.
        version = AssetVersion.objects.select_for_update().select_related("asset").get(pk=version.pk)
        _check_transition(version, VersionStatus.PUBLISHED)
        _check_publishable(version)
        version.status = VersionStatus.PUBLISHED
        version.published_at = timezone.now()
        version.published_by = by
        version.full_clean()
        version.save()
        asset_refresh(asset=version.asset)
        return version


def asset_release(
    *,
    asset: Asset,
    by: User | None,
    version: str,
    file: UploadedFile | None = None,
    external_url: str = "",
    changelog: str = "",
    publish: bool = True,
    announcement: Announcement | None = None,
) -> AssetVersion:
    """Add a version and publish it at once (or keep it as a draft, `publish=False`), in one
    revision; with an `announcement`, also post an update about it (sent as `version_announced`).
    All or nothing: a refused publish (a version not higher than the current one) adds nothing."""
    verb = "Published" if publish else "Saved draft"
    with _revision(by, f"{verb} version {version}"):
        new = asset_add_version(
            asset=asset, by=by, version=version, file=file, external_url=external_url, changelog=changelog
        )
        if not publish:
            _check_publishable(new)
            return new
        return asset_publish_draft(version=new, by=by, announcement=announcement)


def asset_publish_draft(
    *, version: AssetVersion, by: User | None, announcement: Announcement | None = None
) -> AssetVersion:
    """Publish a draft and, with an `announcement`, post an update about it, in one transaction."""
    with _revision(by, f"Published version {version.version}"):
        version = asset_publish_version(version=version, by=by)
        if announcement is not None:
            version_announced.send(sender=AssetVersion, version=version, by=by, announcement=announcement)
        return version


def asset_archive_version(*, version: AssetVersion, by: User | None, comment: str = "") -> AssetVersion:
    """Archive a version: reps no longer see it; the next highest published one becomes current."""
    with _revision(by, comment or f"Archived version {version.version}"):
        _check_transition(version, VersionStatus.ARCHIVED)
        version.status = VersionStatus.ARCHIVED
        version.full_clean()
        version.save()
        asset_refresh(asset=version.asset)
        return version


def asset_archive(*, asset: Asset, by: User | None, comment: str = "Archived") -> Asset:
    with _revision(by, comment):
        asset.archived_at = asset.archived_at or timezone.now()
        asset.full_clean()
        asset.save()
        return asset_refresh(asset=asset)


def asset_unarchive(*, asset: Asset, by: User | None, comment: str = "Unarchived") -> Asset:
    with _revision(by, comment):
        asset.archived_at = None
        asset.full_clean()
        asset.save()
        return asset_refresh(asset=asset)


def asset_set_version_status(*, version: AssetVersion, status: str, by: User | None, comment: str = "") -> AssetVersion:
    if status == version.status:
        return version
    if status == VersionStatus.PUBLISHED:
        return asset_publish_version(version=version, by=by, comment=comment)
    if status == VersionStatus.ARCHIVED:
        return asset_archive_version(version=version, by=by, comment=comment)
    _check_transition(version, status)
    return version


def asset_record_usage(
    *, asset: Asset, version: AssetVersion | None, kind: str, user: User, deal: "Deal | None" = None
) -> AssetUsage:
    """One INSERT, nothing read: views call it on every page and download."""
    return AssetUsage.objects.create(asset=asset, version=version, kind=kind, user=user, deal=deal)


@transaction.atomic
def asset_share_to_deal(*, asset: Asset, deal: "Deal", by: User) -> AssetUsage:
    """Record that `by` shared the asset's current version on `deal` (checked by the caller with
    Deal.objects.for_user(by).open())."""
    if asset.current_version_id is None or asset.is_archived:
        raise ValidationError("Only a published asset can be shared.")
    usage = AssetUsage(asset=asset, version_id=asset.current_version_id, kind=UsageKind.SHARE, user=by, deal=deal)
    usage.full_clean()
    usage.save()
    return usage


def asset_save_from_playbook(*, payload: dict[str, Any], by: User | None, asset: Asset | None = None) -> Asset:
    """Create (asset=None) or change an asset from the playbook's object, and add or move the
    version it names to its status. All or nothing: a refused publish leaves everything as it was."""
    fields = {
        "type": payload["type"],
        "title": payload["title"],
        "description": payload.get("description") or "",
        "tags": payload.get("tags") or [],
        "audiences": payload.get("targetAudience") or [],
        "review_by": payload.get("reviewBy"),
    }
    number = payload["version"]
    with _revision(by, f"API: {'created' if asset is None else 'changed'} with version {number}"):
        if asset is None:
            asset = asset_create(by=by, asset_id=payload.get("assetId") or "", comment="API: created", **fields)
        else:
            asset = asset_update(asset=asset, by=by, comment="API: changed", **fields)
        version = asset.versions.filter(version=number).first()
        if version is None:
            version = asset_add_version(
                asset=asset,
                by=by,
                version=number,
                external_url=payload["url"],
                changelog=payload.get("changelog") or "",
            )
        elif version.status == VersionStatus.DRAFT:
            version.external_url = payload["url"] if not version.file else ""
            version.changelog = payload.get("changelog") or version.changelog
            version.full_clean()
            version.save()
        asset_set_version_status(version=version, status=payload.get("status") or VersionStatus.DRAFT, by=by)
        asset.refresh_from_db()
        return asset


@transaction.atomic
def search_synonym_save(*, synonym: SearchSynonym) -> SearchSynonym:
    """Save a synonym; searches use it from the next one on (the library version changes)."""
    synonym.full_clean()
    synonym.save()
    library_changed()
    return synonym


@transaction.atomic
def search_synonyms_delete(*, synonyms: QuerySet[SearchSynonym]) -> int:
    deleted, _ = synonyms.delete()
    library_changed()
    return deleted


def assets_set_review_by(*, assets: Iterable[Asset], review_by: date | None, by: User | None) -> int:
    """Give every asset of `assets` the same review-by date (None: no review due), in one revision."""
    count = 0
    with _revision(by, f"Review by set to {review_by or 'none'}"):
        for asset in assets:
            asset_update(asset=asset, by=by, review_by=review_by)
            count += 1
    return count


def assets_relabel(
    *,
    assets: Iterable[Asset],
    by: User | None,
    add_tags: Iterable[str] = (),
    remove_tags: Iterable[str] = (),
    add_audiences: Iterable[str] = (),
    remove_audiences: Iterable[str] = (),
) -> int:
    """Add and remove tags and target audiences (by name) on every asset of `assets`, in one revision."""
    new_tags, new_audiences = tags_get_or_create(add_tags), audiences_get_or_create(add_audiences)
    gone_tags = list(CollateralTag.objects.filter(name__in=[n.strip() for n in remove_tags]))
    gone_audiences = list(Audience.objects.filter(name__in=[n.strip() for n in remove_audiences]))
    count = 0
    with _revision(by, "Tags and audiences changed in bulk"):
        for asset in assets:
            asset.tags.add(*new_tags)
            asset.tags.remove(*gone_tags)
            asset.audiences.add(*new_audiences)
            asset.audiences.remove(*gone_audiences)
            # asset_refresh saves the asset: it joins the revision with its tags as they are now.
            asset_refresh(asset=asset)
            count += 1
    return count
