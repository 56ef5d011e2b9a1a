import io
import struct
import zipfile
import zlib

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from collateral.models import Asset, AssetType, AssetVersion, VersionStatus
from collateral.search.lexicon import library_changed
from collateral.services import asset_create, asset_publish_version
from tests.accounts.factories import UserFactory
from tests.pipeline.factories import AccountFactory, DealFactory  # noqa: F401 (re-exported for collateral tests)


class AssetFactory(factory.django.DjangoModelFactory):
    """A bare asset row; use `published_asset()` for one reps can see."""

    class Meta:
        model = Asset

    asset_id = factory.Sequence(lambda n: f"CS-{n + 1000:04d}")
    type = AssetType.CASE_STUDY
    title = factory.Sequence(lambda n: f"Customer story {n}")
    description = "How a customer did better."


class AssetVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssetVersion

    asset = factory.SubFactory(AssetFactory)
    version = "1.0.0"
    major = factory.LazyAttribute(lambda v: int(v.version.split(".")[0]))
    minor = factory.LazyAttribute(lambda v: int(v.version.split(".")[1]))
    patch = factory.LazyAttribute(lambda v: int(v.version.split(".")[2]))
    external_url = "https://cdn.example.com/asset.pdf"


def published_asset(*, by=None, version: str = "1.0.0", tags=(), audiences=(), **fields) -> Asset:
    """An asset with one published version, made through the services as admins do."""
    by = by or UserFactory(username="asset.author", role="enablement_admin", team=None)
    fields.setdefault("type", AssetType.CASE_STUDY)
    fields.setdefault("title", "Customer story")
    asset = asset_create(by=by, tags=tags, audiences=audiences, **fields)
    draft = AssetVersionFactory(asset=asset, version=version)
    asset_publish_version(version=draft, by=by)
    asset.refresh_from_db()
    return asset


def draft_version(asset: Asset, version: str, **fields) -> AssetVersion:
    return AssetVersionFactory(asset=asset, version=version, status=VersionStatus.DRAFT, **fields)


# Minimal genuine files for upload tests.


def png_bytes() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # A fixed timestamp: the same bytes on every call, whatever the clock says.
        for name, text in [("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<document/>")]:
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def bulk_library(count: int, *, admin, prefix: str = "TS") -> list[Asset]:
    """`count` published assets with tags and audiences, inserted in bulk (for query-count tests)."""
    from collateral.models import Audience, CollateralTag, TaggedAsset

    now = timezone.now()
    tags = [
        CollateralTag.objects.get_or_create(name=name, defaults={"slug": name, "kind": kind})[0]
        for name, kind in [("fintech", "industry"), ("retail", "industry"), ("competitor_x", "competitor")]
    ]
    audience, _ = Audience.objects.get_or_create(name="CTO")
    assets = Asset.objects.bulk_create(
        Asset(
            asset_id=f"{prefix}-{n:04d}",
            type=AssetType.TECH_SHEET,
            title=f"Fintech tech sheet {n}",
            description="Latency and throughput figures.",
            search_text="fintech competitor x",
            published_at=now,
            facet_tags=[tags[n % 2].pk, tags[2].pk],
            facet_audiences=[audience.pk],
        )
        for n in range(count)
    )
    versions = AssetVersion.objects.bulk_create(
        AssetVersion(
            asset=asset,
            version="1.0.0",
            major=1,
            external_url="https://cdn.example.com/sheet.pdf",
            status=VersionStatus.PUBLISHED,
            published_at=now,
            published_by=admin,
        )
        for asset in assets
    )
    for asset, version in zip(assets, versions, strict=True):
        asset.current_version = version
    Asset.objects.bulk_update(assets, ["current_version"])
    TaggedAsset.objects.bulk_create(
        TaggedAsset(content_object=asset, tag=tag)
        for index, asset in enumerate(assets)
        for tag in (tags[index % 2], tags[2])
    )
    Asset.audiences.through.objects.bulk_create(
        Asset.audiences.through(asset=asset, audience=audience) for asset in assets
    )
    # Written around the services: say that the library changed, as they would.
    library_changed()
    return assets
