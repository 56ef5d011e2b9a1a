"""Reads of the collateral library: filtered and ranked lists, facet counts, deal collateral.

Every list starts from `Asset.objects.for_user(user)`; a page costs the same number of
queries whatever the number of assets (counts and facets in one, the page, two prefetches).
Counts are cached per library version (collateral.search.lexicon) and, for a search or a
filter, counted up to COUNT_CAP matches only ("1,000+").
"""

import hashlib
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Max, Prefetch, QuerySet
from rapidfuzz import fuzz, process

from accounts.models import User
from accounts.rules import Someone, is_enablement_admin
from collateral.models import (
    Asset,
    AssetType,
    AssetVersion,
    Audience,
    CollateralTag,
    TaggedAsset,
    TagKind,
    UsageKind,
)
from collateral.search import Chip, Understood, order_by_relevance, search_assets, understand
from collateral.search.backends import CANDIDATES
from collateral.search.lexicon import MIN_WORD, STOP_WORDS, lexicon, library_version, words_of

if TYPE_CHECKING:
    from pipeline.models import Deal

TAG_KINDS = (TagKind.INDUSTRY, TagKind.USE_CASE, TagKind.COMPETITOR)
# The sort a rep can pick; "" is the best match for a query and the newest without one.
SORTS = {"": "Best match", "newest": "Newest", "most_used": "Most used"}
# A search or a filter counts its matches (and their facets) up to this many, then says "1,000+";
# a search has no more candidates than that to count (collateral.search.backends).
COUNT_CAP = CANDIDATES
# How close a word of the library must be to count as a "nearest match" for a word nothing matched.
NEAREST_SCORE = 60


@dataclass(frozen=True)
class LibraryFilters:
    """What a rep asked for: words, one value per facet, a sort; `literal` turns typo correction off."""

    q: str = ""
    type: str = ""
    audience: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)  # tag kind -> tag slug
    sort_choice: str = ""  # what the rep picked, one of SORTS
    literal: bool = False

    @property
    def sort(self) -> str:
        return self.sort_choice or ("relevance" if self.q else "newest")

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> "LibraryFilters":
        sort = params.get("sort", "")
        q = params.get("q", "").strip()[:200]
        return cls(
            q=q,
            type=params.get("type", "") if params.get("type", "") in AssetType.values else "",
            audience=params.get("audience", "").strip()[:100],
            tags={kind.value: params[kind.value].strip()[:100] for kind in TAG_KINDS if params.get(kind.value)},
            sort_choice=sort if sort in SORTS else "",
            literal=params.get("literal") == "1",
        )

    @cached_property
    def understood(self) -> Understood:
        return understand(self.q, literal=self.literal)

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.type or self.audience or self.tags)

    @property
    def has_facets(self) -> bool:
        return bool(self.type or self.audience or self.tags)

    @property
    def chosen_chips(self) -> list[Chip]:
        """The filters picked from the facets, as chips."""
        chips = []
        if self.type:
            chips.append(Chip("type", self.type, AssetType(self.type).label))
        if self.audience:
            chips.append(Chip("audience", self.audience, self.audience))
        chips += [Chip(kind, slug, slug.replace("_", " ").replace("-", " ")) for kind, slug in self.tags.items()]
        return chips

    @property
    def chips(self) -> list[Chip]:
        """Every chip: the chosen filters, then what the words named (once each)."""
        chosen = self.chosen_chips
        seen = {(chip.param, chip.value) for chip in chosen}
        return chosen + [chip for chip in self.understood.chips if (chip.param, chip.value) not in seen]

    def without(self, chip: Chip) -> "LibraryFilters":
        """These filters less `chip`: a chosen filter is dropped, an understood one loses its words."""
        if chip.words:
            return replace(self, q=_without_words(self.understood.corrected or self.q, chip.words), literal=False)
        if chip.param == "type":
            return replace(self, type="")
        if chip.param == "audience":
            return replace(self, audience="")
        return replace(self, tags={k: v for k, v in self.tags.items() if k != chip.param})

    def cleared(self) -> "LibraryFilters":
        """Without any chip: no filters, and the words that named one taken out of the query."""
        words = tuple(word for chip in self.understood.chips for word in chip.words)
        q = _without_words(self.understood.corrected or self.q, words) if words else self.q
        return LibraryFilters(q=q, sort_choice=self.sort_choice)

    def params(self) -> dict[str, str]:
        """The query string that asks for these filters."""
        params = {"q": self.q, "type": self.type, "audience": self.audience, "sort": self.sort_choice}
        params |= dict(self.tags)
        if self.literal:
            params["literal"] = "1"
        return {name: value for name, value in params.items() if value}


def _without_words(text: str, words: tuple[str, ...]) -> str:
    for word in words:
        text = re.sub(rf"(?i)\b{re.escape(word)}\b", " ", text, count=1)
    return " ".join(text.split())


@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Facet:
    param: str
    label: str
    options: list[FacetOption]


def assets_matching(*, user: Someone, filters: LibraryFilters, tag_slugs: Collection[str] = ()) -> QuerySet[Asset]:
    """The assets `user` may see that match every filter, unordered. `tag_slugs` (the API's
    `tag=`) must all be present."""
    assets = Asset.objects.for_user(user).visible()
    if filters.type:
        assets = assets.filter(type=filters.type)
    if filters.audience:
        assets = assets.filter(audiences__name=filters.audience)
    for kind, slug in filters.tags.items():
        assets = assets.filter(tagged_items__tag__slug=slug, tagged_items__tag__kind=kind)
    if tag_slugs:
        assets = assets.filter(pk__in=tagged_with_all(tag_slugs))
    return search_assets(assets, filters.understood)


def tagged_with_all(slugs: Collection[str]) -> QuerySet:
    """Ids of the assets that carry every tag in `slugs`: one grouped subquery, whatever their number.

    The link rows of the wanted tags are read once and counted per asset; an asset carries a tag
    at most once (collateral_tagged_once), so a full count means all of them. Measured on
    PostgreSQL at 20,000 assets (count of matches): a join per tag 253 ms for 10 tags and 44 s
    for 40; an EXISTS per tag 37 ms and 552 ms; this 18 ms and 48 ms (1 or 2 tags: ~4 ms each way).
    """
    wanted = set(slugs)
    return (
        TaggedAsset.objects.filter(tag__slug__in=wanted)
        .values("content_object_id")
        .annotate(matched=Count("tag_id"))
        .filter(matched=len(wanted))
        .values("content_object_id")
    )


def assets_for_display(assets: QuerySet, filters: LibraryFilters) -> QuerySet:
    """`assets` in the order asked for, with what a result card shows loaded up front."""
    if filters.sort == "relevance" and filters.q:
        ordered = order_by_relevance(assets)
    elif filters.sort == "most_used":
        ordered = assets.annotate(usage_count=Count("usages")).order_by("-usage_count", "-published_at", "asset_id")
    else:
        ordered = assets.order_by("-published_at", "asset_id")
    return ordered.select_related("current_version").prefetch_related(
        Prefetch("tagged_items", queryset=TaggedAsset.objects.select_related("tag").order_by("tag__name")),
        "audiences",
    )


@dataclass(frozen=True)
class AssetPages:
    """`queryset` (from assets_for_display) for paginating: slicing it gives one page of assets.

    A search ranks its candidates only (collateral.search.backends), so its page is sliced as is.
    Listed by date or use, PostgreSQL would join every asset to its current version before
    sorting and only then keep a page (a hash join over all versions), so there the page's ids
    are sorted and cut first over the asset rows alone, and only those rows are read and joined.
    """

    queryset: QuerySet

    def __getitem__(self, window: slice) -> QuerySet:
        if connection.vendor != "postgresql" or "relevance" in self.queryset.query.annotations:
            return self.queryset[window]
        return self.queryset.filter(pk__in=self.queryset.values_list("pk", flat=True)[window])


@dataclass(frozen=True)
class LibraryCounts:
    total: int
    facets: list[Facet]
    capped: bool = False  # more than COUNT_CAP matches: total and facet counts are lower bounds

    @property
    def total_label(self) -> str:
        return f"{self.total:,}+" if self.capped else f"{self.total:,}"


def _counts_sql(assets: QuerySet, cap: int | None) -> tuple[str, list]:
    """One statement for the total and every facet. The matching assets are found once (a
    materialised CTE, cut at `cap` + 1 rows), and tags and audiences are counted from the id lists
    on those rows, so a broad query never scans the whole tag or audience link tables. Ids are
    counted before they are joined to their names: one join per tag, not one per asset."""
    matching_qs = assets.order_by().values("pk", "type", "facet_tags", "facet_audiences")
    if cap is not None:
        matching_qs = matching_qs[: cap + 1]
    matching, params = matching_qs.query.sql_with_params()
    q = connection.ops.quote_name
    tag, audience = q(CollateralTag._meta.db_table), q(Audience._meta.db_table)
    kinds = ", ".join(f"'{kind.value}'" for kind in TAG_KINDS)
    if connection.vendor == "postgresql":
        tag_ids = "CROSS JOIN LATERAL jsonb_array_elements_text(m.tags) AS e(value)"
        audience_ids = "CROSS JOIN LATERAL jsonb_array_elements_text(m.audiences) AS e(value)"
        id_value = "c.value::bigint"
    else:
        tag_ids, audience_ids, id_value = (
            "CROSS JOIN json_each(m.tags) AS e",
            "CROSS JOIN json_each(m.audiences) AS e",
            "c.value",
        )
    sql = f"""
        WITH m(id, type, tags, audiences) AS MATERIALIZED ({matching})
        SELECT 'total', '', '', COUNT(*) FROM m
        UNION ALL
        SELECT 'type', m.type, '', COUNT(*) FROM m GROUP BY m.type
        UNION ALL
        SELECT t.kind, t.slug, t.name, c.n
          FROM (SELECT e.value, COUNT(*) AS n FROM m {tag_ids} GROUP BY e.value) c
          JOIN {tag} t ON t.id = {id_value} WHERE t.kind IN ({kinds})
        UNION ALL
        SELECT 'audience', au.name, '', c.n
          FROM (SELECT e.value, COUNT(*) AS n FROM m {audience_ids} GROUP BY e.value) c
          JOIN {audience} au ON au.id = {id_value}
    """  # noqa: S608 (table names and kinds are constants; user input is only in params)
    return sql, list(params)


def _count_rows(assets: QuerySet, cap: int | None) -> list[tuple[str, str, str, int]]:
    """The counts' rows, from the cache when this exact statement ran since the library last changed."""
    try:
        sql, params = _counts_sql(assets, cap)
    except EmptyResultSet:
        # A search without candidates.
        return [("total", "", "", 0)]
    digest = hashlib.sha256(repr((sql, params)).encode()).hexdigest()
    key = f"collateral:counts:{library_version()}:{digest}"
    rows = cache.get(key)
    if rows is None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = [tuple(row) for row in cursor.fetchall()]
        cache.set(key, rows, timeout=settings.COLLATERAL_SEARCH_CACHE_SECONDS)
    return rows


def library_counts(*, assets: QuerySet, filters: LibraryFilters) -> LibraryCounts:
    """How many `assets` there are, and their counts per type, tag kind and audience (one query,
    none when cached). The whole library is counted exactly; a search or a filter up to COUNT_CAP."""
    cap = COUNT_CAP if filters.is_filtered else None
    rows = _count_rows(assets, cap)
    total = next(n for group, _, _, n in rows if group == "total")
    capped = cap is not None and total > cap
    by_type = {value: n for group, value, _, n in rows if group == "type"}
    facets = [
        Facet(
            "type",
            "Type",
            [
                FacetOption(value, label, by_type[value], filters.type == value)
                for value, label in AssetType.choices
                if value in by_type
            ],
        )
    ]
    ranked = sorted(rows, key=lambda row: (-row[3], row[2] or row[1]))
    for kind in TAG_KINDS:
        options = [
            FacetOption(slug, name.replace("_", " "), n, filters.tags.get(kind) == slug)
            for group, slug, name, n in ranked
            if group == kind
        ]
        facets.append(Facet(kind.value, kind.label, options))
    audiences = [
        FacetOption(name, name, n, filters.audience == name) for group, name, _, n in ranked if group == "audience"
    ]
    facets.append(Facet("audience", "Audience", audiences))
    return LibraryCounts(total=min(total, cap) if capped and cap else total, facets=facets, capped=capped)


def count_capped(assets: QuerySet, cap: int) -> tuple[int, bool]:
    """How many `assets`, counted up to `cap` (True when there are more)."""
    found = assets.order_by().values("pk")[: cap + 1].count()
    return min(found, cap), found > cap


@dataclass(frozen=True)
class Relaxed:
    """What the empty state offers instead of nothing: the filters that find something."""

    filters: LibraryFilters
    removed: list[Chip]  # chosen filters dropped, the most restrictive first
    nearest: str = ""  # the query of nearest words searched instead ("" when the words were kept)


def relax(*, user: Someone, filters: LibraryFilters) -> Relaxed | None:
    """Filters that find something when `filters` find nothing: drop the most restrictive chosen
    filter (the value with the fewest assets in the library) until something matches; then, if the
    words still match nothing, search the library's nearest words instead. None if nothing helps."""
    removed: list[Chip] = []
    current = filters
    if current.has_facets:
        whole = library_counts(assets=assets_matching(user=user, filters=LibraryFilters()), filters=LibraryFilters())
        sizes = {(facet.param, o.value): o.count for facet in whole.facets for o in facet.options}
        for chip in sorted(current.chosen_chips, key=lambda c: sizes.get((c.param, c.value), 0)):
            current = current.without(chip)
            removed.append(chip)
            if assets_matching(user=user, filters=current).exists():
                return Relaxed(current, removed)
    nearest = _nearest_words(current.understood)
    if nearest:
        current = replace(current, q=nearest, literal=True)
        if assets_matching(user=user, filters=current).exists():
            return Relaxed(current, removed, nearest)
    return None


def _nearest_words(understood: Understood) -> str:
    """The library's closest word to each word of the query, looser than a typo correction."""
    vocabulary = lexicon().vocabulary
    found = []
    for word in words_of(understood.corrected or understood.text):
        if len(word) < MIN_WORD or word in STOP_WORDS:
            continue
        best = process.extractOne(word, vocabulary, scorer=fuzz.WRatio, score_cutoff=NEAREST_SCORE)
        if best is not None and best[0] != word:
            found.append(best[0])
    return " ".join(dict.fromkeys(found))


class CountedPaginator(Paginator):
    """A paginator told its count (from library_counts) instead of running COUNT(*) again."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count


def asset_versions_for(*, user: Someone, asset: Asset) -> QuerySet[AssetVersion]:
    """The versions of `asset` that `user` may open: published ones; every one for enablement admins
    (the predicate accounts.rules.is_enablement_admin). `user` is None for an API key, which sees
    what reps see. The pages and the API both list versions through this."""
    versions = asset.versions.select_related("published_by").by_semver()
    if is_enablement_admin(user):
        return versions
    return versions.published()


def stale_assets(*, user: User) -> QuerySet[Asset]:
    return (
        Asset.objects.for_user(user)
        .filter(archived_at__isnull=True)
        .stale()
        .select_related("owner", "current_version")
        .order_by("review_by", "asset_id")
    )


def assets_shared_on_deal(*, deal: "Deal") -> QuerySet[Asset]:
    """Assets shared on `deal`, last shared first, each with `last_shared_at` and `share_count`."""
    return (
        Asset.objects.filter(usages__deal=deal, usages__kind=UsageKind.SHARE)
        .annotate(last_shared_at=Max("usages__created_at"), share_count=Count("usages"))
        .select_related("current_version")
        .order_by("-last_shared_at")
    )


def version_newer_than(version: AssetVersion) -> AssetVersion | None:
    """The asset's current version when it is higher than `version` (for the banner on old links)."""
    current = version.asset.current_version
    if current is not None and current.semver > version.semver:
        return current
    return None


def version_suggestions(asset: Asset) -> dict[str, str]:
    """The next patch, minor and major version after the asset's highest version (of any status),
    or 1.0.0 for an asset without one."""
    highest = asset.versions.by_semver().only("major", "minor", "patch").first()
    if highest is None:
        return {"major": "1.0.0", "minor": "1.0.0", "patch": "1.0.0"}
    major, minor, patch = highest.semver
    return {"patch": f"{major}.{minor}.{patch + 1}", "minor": f"{major}.{minor + 1}.0", "major": f"{major + 1}.0.0"}
