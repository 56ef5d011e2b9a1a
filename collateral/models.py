"""The collateral library: assets, their semver versions, tags with a kind, and usage events.

An Asset is the stable thing reps search and link to (`CS-0042`); an AssetVersion is one
release of it. The current version is the highest published one; it is kept on the asset
(`current_version`, `published_at`, `search_text`) by `collateral.services.asset_refresh` so
that lists and search read one row per asset.
"""

import re
import uuid
from datetime import date

import reversion
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage, storages
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from taggit.managers import TaggableManager
from taggit.models import TagBase, TaggedItemBase

from accounts.rules import Someone, is_enablement_admin

SEMVER_RE = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
ASSET_ID_RE = r"^[A-Z]{2}-\d{4,}$"


class AssetType(models.TextChoices):
    CASE_STUDY = "CaseStudy", "Case study"
    WHITEPAPER = "Whitepaper", "Whitepaper"
    DEMO_VIDEO = "DemoVideo", "Demo video"
    ONE_PAGER = "OnePager", "One-pager"
    TECH_SHEET = "TechSheet", "Tech sheet"
    BATTLECARD = "Battlecard", "Battlecard"
    PITCH_DECK = "PitchDeck", "Pitch deck"


# The prefix of generated asset ids, per type: CS-0042.
ASSET_ID_PREFIX = {
    AssetType.CASE_STUDY: "CS",
    AssetType.WHITEPAPER: "WP",
    AssetType.DEMO_VIDEO: "DV",
    AssetType.ONE_PAGER: "OP",
    AssetType.TECH_SHEET: "TS",
    AssetType.BATTLECARD: "BC",
    AssetType.PITCH_DECK: "PD",
}


class TagKind(models.TextChoices):
    INDUSTRY = "industry", "Industry"
    USE_CASE = "use_case", "Use case"
    COMPETITOR = "competitor", "Competitor"
    OTHER = "other", "Other"


class CollateralTag(TagBase):
    """A taggit tag with a kind, so that industry, use case and competitor are separate facets."""

    kind = models.CharField(max_length=16, choices=TagKind.choices, default=TagKind.OTHER, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "tag"

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return self.name.replace("_", " ")


class TaggedAsset(TaggedItemBase):
    content_object = models.ForeignKey("Asset", on_delete=models.CASCADE, related_name="tagged_items")
    tag = models.ForeignKey(CollateralTag, on_delete=models.CASCADE, related_name="tagged_assets")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["content_object", "tag"], name="collateral_tagged_once")]


class Audience(models.Model):
    """A target audience (job role) an asset is written for: CTO, VP of Engineering…"""

    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AssetQuerySet(models.QuerySet):
    def for_user(self, user: Someone) -> "AssetQuerySet":
        """Enablement admins (the predicate accounts.rules.is_enablement_admin) see every asset;
        everyone else, and an API key (`user` None), only what reps may use."""
        if is_enablement_admin(user):
            return self
        return self.visible()

    def visible(self) -> "AssetQuerySet":
        """Not archived, with a published version: what reps, the rep UI and the API list."""
        return self.filter(archived_at__isnull=True, current_version__isnull=False)

    def stale(self, today: date | None = None) -> "AssetQuerySet":
        return self.filter(review_by__lt=today or timezone.localdate())

    def search(self, query: str) -> "AssetQuerySet":
        """The assets matching `query` as reps' search reads it (typos, synonyms), with `relevance`."""
        from collateral.search import search_assets, understand

        return search_assets(self, understand(query))


# The plugin cannot follow taggit's untyped generic relation (tagged_items).
class Asset(models.Model):  # type: ignore[django-manager-missing]
    asset_id = models.CharField(
        "asset id",
        max_length=16,
        unique=True,
        validators=[RegexValidator(ASSET_ID_RE, "Use two capital letters, a dash and at least four digits: CS-0042.")],
        help_text="Stable id such as CS-0042; generated from the type when left empty.",
    )
    type = models.CharField(max_length=16, choices=AssetType.choices, db_index=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    audiences = models.ManyToManyField(Audience, blank=True, related_name="assets", verbose_name="target audiences")
    tags = TaggableManager(through=TaggedAsset, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_assets"
    )
    review_by = models.DateField(null=True, blank=True, help_text="After this date the asset is flagged as stale.")
    archived_at = models.DateTimeField(null=True, blank=True, help_text="Archived assets are hidden from reps.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Kept by services.asset_refresh: the highest published version, when it was published, and
    # the tags, type and audiences as words (search's B column), so lists and search need no joins.
    current_version = models.ForeignKey(
        "AssetVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    search_text = models.TextField(blank=True, editable=False)
    # Ids of the asset's tags and audiences: facet counts read them from the matching rows
    # alone instead of joining the whole tag and audience tables (selectors.library_counts).
    facet_tags = models.JSONField(default=list, editable=False)
    facet_audiences = models.JSONField(default=list, editable=False)
    # PostgreSQL only: title (A), tags (B) and description (C) as a tsvector, kept by a trigger
    # (migration 0002) whatever writes the row. Always NULL on SQLite, where FTS5 does the job.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = AssetQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "asset_id"]
        indexes = [
            models.Index(fields=["archived_at", "current_version"], name="collateral_asset_visible"),
            models.Index(fields=["review_by"], name="collateral_asset_review_by"),
            # PostgreSQL only (the migration skips it elsewhere): full text over title, tags and
            # description with weights A, B, C. Typos are corrected against SearchWord instead.
            GinIndex(fields=["search_vector"], name="collateral_asset_fts"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("collateral:asset", kwargs={"asset_id": self.asset_id})

    def get_permalink(self) -> str:
        return reverse("collateral:permalink", kwargs={"asset_id": self.asset_id})

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def is_stale(self, today: date | None = None) -> bool:
        return self.review_by is not None and self.review_by < (today or timezone.localdate())


def parse_semver(value: str) -> tuple[int, int, int]:
    match = SEMVER_RE.match(value or "")
    if not match:
        raise ValidationError(
            "%(value)s is not a semantic version: use MAJOR.MINOR.PATCH such as 2.1.0.", params={"value": value}
        )
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def validate_semver(value: str) -> None:
    parse_semver(value)


def collateral_storage() -> Storage:
    """The storage for uploaded files: settings.COLLATERAL_STORAGE names an entry of STORAGES."""
    return storages[getattr(settings, "COLLATERAL_STORAGE", "default")]


def stored_name(instance: "AssetVersion", filename: str) -> str:
    # The uploaded name is never used on disk: only a random name with the checked extension.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"collateral/{uuid.uuid4().hex}.{extension}"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class AssetVersionQuerySet(models.QuerySet):
    def published(self) -> "AssetVersionQuerySet":
        return self.filter(status=VersionStatus.PUBLISHED)

    def by_semver(self) -> "AssetVersionQuerySet":
        """Highest version first: 2.10.0 before 2.9.0."""
        return self.order_by("-major", "-minor", "-patch")


class AssetVersion(models.Model):
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(max_length=32, validators=[validate_semver], help_text="MAJOR.MINOR.PATCH")
    major = models.PositiveIntegerField(editable=False, default=0)
    minor = models.PositiveIntegerField(editable=False, default=0)
    patch = models.PositiveIntegerField(editable=False, default=0)
    file = models.FileField(upload_to=stored_name, storage=collateral_storage, blank=True, max_length=200)
    file_size = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    file_extension = models.CharField(max_length=8, blank=True, editable=False)
    external_url = models.URLField("external URL", max_length=500, blank=True)
    changelog = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = AssetVersionQuerySet.as_manager()

    class Meta:
        ordering = ["asset", "-major", "-minor", "-patch"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "version"], name="collateral_version_once_per_asset"),
            # A constraint rather than a check in clean(): forms skip it when the file itself was
            # refused, so a refused upload shows its own reason and not this one as well.
            models.CheckConstraint(
                condition=(models.Q(file="") & ~models.Q(external_url=""))
                | (~models.Q(file="") & models.Q(external_url="")),
                name="collateral_version_file_or_url",
                violation_error_message="Give either a file or an external URL, not both and not neither.",
            ),
        ]
        indexes = [models.Index(fields=["asset", "status", "major", "minor", "patch"], name="collateral_version_rank")]

    def __str__(self) -> str:
        return f"{self.asset.asset_id} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("collateral:version", kwargs={"asset_id": self.asset.asset_id, "version": self.version})

    def clean(self) -> None:
        if self.version and SEMVER_RE.match(self.version):
            self.major, self.minor, self.patch = parse_semver(self.version)

    @property
    def semver(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.patch)

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED

    @property
    def previewable(self) -> bool:
        """Shown inline only if it cannot run script: PNG and JPEG (SVG is never accepted), and PDFs,
        which the upload check (collateral/uploads.py) keeps free of JavaScript and automatic actions."""
        return self.file_extension in {"pdf", "png", "jpg"}

    @property
    def is_image(self) -> bool:
        return self.file_extension in {"png", "jpg"}


class SearchSynonym(models.Model):
    """Words reps type that the library says differently: a query with `term` also finds `means`
    (HIPAA → healthcare compliance). Edited by enablement admins; applied from the next search on."""

    term = models.CharField(
        max_length=100, unique=True, help_text="What reps type, e.g. HIPAA or ROI (one or a few words)."
    )
    means = models.CharField(
        max_length=200, help_text="What the library says instead, e.g. healthcare compliance (all these words)."
    )

    class Meta:
        ordering = ["term"]
        verbose_name = "search synonym"

    def __str__(self) -> str:
        return f"{self.term} → {self.means}"


class SearchWord(models.Model):
    """The library's vocabulary (words of titles, tags, types and audiences), which typos are
    corrected against. Added to by services.asset_refresh on every publish and change; never
    pruned (a word that left the library only costs a correction to a word that finds less)."""

    word = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return self.word


class UsageKind(models.TextChoices):
    VIEW = "view", "Viewed"
    DOWNLOAD = "download", "Downloaded"
    SHARE = "share", "Shared to a deal"


class AssetUsage(models.Model):
    """One row per view, download or share; telemetry counts them. Written with a single INSERT."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="usages")
    version = models.ForeignKey(AssetVersion, null=True, on_delete=models.SET_NULL, related_name="usages")
    kind = models.CharField(max_length=16, choices=UsageKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    deal = models.ForeignKey(
        "pipeline.Deal", null=True, blank=True, on_delete=models.CASCADE, related_name="collateral_usages"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["asset", "kind"], name="collateral_usage_asset_kind"),
            models.Index(fields=["deal", "kind"], name="collateral_usage_deal_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="share", deal__isnull=False) | ~models.Q(kind="share"),
                name="collateral_share_has_deal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.asset_id}"


# History: an asset's revision holds its versions and tags too, so "recover deleted" brings
# them all back; a version's revision holds its asset.
reversion.register(TaggedAsset)
reversion.register(AssetVersion, follow=["asset"])
reversion.register(Asset, exclude=["search_vector"], follow=["versions", "tagged_items"])
