"""Collateral search at library scale: the rep's search+facets page and the API search.

Corpus: COLLATERAL_BENCH_SIZES libraries (default 10,000 then 100,000 assets, grown in place) x 3
versions, 300 tags with kinds, six audiences, loaded with bulk_create (kept between runs).
Value: p50/p95 server time (the whole Django stack through the test client) over 20 typical
queries, each as the first time it is asked (nothing of it cached; cached and after-a-publish
figures beside), at each size, and the ratio of the largest size's p95 to the smallest's.
Baseline, in the same run: the same words as one raw full-text SQL query (all words, ranked, a page).
Also checked: the page's query count is the same for a narrow and a broad query.
"""

import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from django.db import connection, reset_queries, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import api_key_create, user_set_role
from bench.common import Result, median_ms, p95_ms, per_call_seconds
from collateral.models import (
    ASSET_ID_PREFIX,
    Asset,
    AssetType,
    AssetUsage,
    AssetVersion,
    Audience,
    CollateralTag,
    TaggedAsset,
    TagKind,
    VersionStatus,
)
from collateral.search.lexicon import STOP_WORDS, library_changed, type_search_words, vocabulary_add, words_of

# Library sizes measured, smallest first (the library grows from one to the next).
SIZES = sorted(int(size) for size in os.environ.get("COLLATERAL_BENCH_SIZES", "10000,100000").split(","))
REPEAT = int(os.environ.get("COLLATERAL_BENCH_REPEAT", "5"))
BATCH = 2000
INDUSTRIES = ["fintech", "healthcare", "retail", "manufacturing", "logistics", "telecom", "insurance", "energy",
              "education", "government", "media", "automotive", "pharma", "banking", "saas", "travel", "gaming",
              "agriculture", "construction", "hospitality"]  # fmt: skip
COMPETITORS = [f"competitor_{name}" for name in ["x", "northwind", "globex", "initech", "umbrella", "hooli", "stark",
               "wayne", "vandelay", "soylent", "tyrell", "cyberdyne", "wonka", "acme", "oscorp", "dunder",
               "pied_piper", "massive", "gringotts", "monarch"]]  # fmt: skip
_WORDS_TEXT = (
    "api performance scalability latency security compliance migration analytics onboarding cost "
    "reduction observability automation integration payments checkout fraud identity cloud kubernetes "
    "data pipeline streaming warehouse dashboard mobile edge caching search billing invoicing reporting "
    "forecasting retention churn growth uptime resilience disaster recovery encryption audit governance "
    "privacy consent workflow approval routing inventory supply chain fleet telemetry sensors iot"
)
WORDS = _WORDS_TEXT.split()
# Descriptions are mostly ordinary prose with a few of the searchable words in it.
FILLER = [f"word{n}" for n in range(400)]
TYPES = list(AssetType)
# Asset n was published n minutes before this: the same order whatever the day of the run.
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
AUDIENCES = ["CTO", "VP of Engineering", "CFO", "CISO", "Head of Operations", "Procurement"]
QUERIES = [
    {"q": "payments"},
    {"q": "fintech"},
    {"q": "api performance"},
    {"q": "kubernetes migration"},
    {"q": "fraud"},
    {"q": "secur"},
    {"q": "competitor northwind"},
    {"q": "retail checkout"},
    {"q": "latency", "industry": "fintech"},
    {"q": "audit governance"},
    {"q": "cloud", "type": "CaseStudy"},
    {"q": "data pipeline streaming"},
    {"q": "healthcare privacy"},
    {"q": "observability"},
    {"q": "supply chain"},
    {"q": "billing", "audience": "CFO"},
    {"q": "dashboard reporting"},
    {"q": "disaster recovery"},
    {"q": "onboarding", "sort": "newest"},
    {"q": "uptime resilience telecom"},
]


def _tags() -> list[CollateralTag]:
    names = [(name, TagKind.INDUSTRY) for name in INDUSTRIES] + [(name, TagKind.COMPETITOR) for name in COMPETITORS]
    names += [(f"{a}_{b}", TagKind.USE_CASE) for a, b in zip(WORDS[::2], WORDS[1::2], strict=False)][:60]
    names += [(f"topic_{n:03d}", TagKind.OTHER) for n in range(300 - len(names))]
    CollateralTag.objects.bulk_create(
        [CollateralTag(name=name, slug=name, kind=kind) for name, kind in names], ignore_conflicts=True
    )
    return list(CollateralTag.objects.filter(name__in=[name for name, _ in names]).order_by("name"))


def _asset(n: int, tags: list[CollateralTag], audiences: list[Audience], now: datetime) -> tuple:
    """Asset number `n`, the same whatever the size loaded (its own seeded generator), so a library
    grows from 10,000 to 100,000 by adding assets."""
    rng = random.Random(n)
    asset_tags = rng.sample(tags, 4)
    asset_audiences = rng.sample(audiences, 2)
    words = rng.sample(WORDS, 5)
    kind = TYPES[n % len(TYPES)]
    asset = Asset(
        asset_id=f"BN-{n:06d}",
        type=kind,
        title=f"{words[0].capitalize()} {words[1]} for {asset_tags[0].name.replace('_', ' ')} "
        f"teams ({ASSET_ID_PREFIX[kind]} {n})",
        description=" ".join(rng.sample(FILLER, 15) + rng.sample(WORDS, 3)),
        search_text=" ".join(
            [*sorted(t.label for t in asset_tags), type_search_words(kind)] + [a.name for a in asset_audiences]
        ),
        review_by=(now - timedelta(days=rng.randint(-400, 400))).date(),
        published_at=EPOCH - timedelta(minutes=n),
        facet_tags=sorted(t.pk for t in asset_tags),
        facet_audiences=sorted(a.pk for a in asset_audiences),
    )
    return asset, asset_tags, asset_audiences


def _trim(size: int) -> None:
    """Remove the benchmark's assets numbered `size` and up, table by table in plain DELETEs
    (the ORM's cascade collects every related row first: minutes for 90,000 assets)."""
    q = connection.ops.quote_name
    assets = q(Asset._meta.db_table)
    doomed = f"SELECT id FROM {assets} WHERE asset_id LIKE 'BN-%%' AND asset_id >= %s"  # noqa: S608
    linked = [
        (AssetUsage._meta.db_table, "asset_id"),
        (TaggedAsset._meta.db_table, "content_object_id"),
        (Asset.audiences.through._meta.db_table, "asset_id"),
    ]
    params = [f"BN-{size:06d}"]
    # Table names come from the models; the only value is a parameter.
    with transaction.atomic(), connection.cursor() as cursor:
        for table, column in linked:
            cursor.execute(f"DELETE FROM {q(table)} WHERE {column} IN ({doomed})", params)  # noqa: S608
        cursor.execute(f"UPDATE {assets} SET current_version_id = NULL WHERE id IN ({doomed})", params)  # noqa: S608
        versions = q(AssetVersion._meta.db_table)
        cursor.execute(f"DELETE FROM {versions} WHERE asset_id IN ({doomed})", params)  # noqa: S608
        cursor.execute(f"DELETE FROM {assets} WHERE id IN ({doomed})", params)  # noqa: S608


def _compact() -> None:
    """VACUUM (FULL, on PostgreSQL: the loader's bulk_update leaves a dead copy of every asset row,
    which autovacuum would have made reusable in a library that grew over time) and ANALYZE."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM FULL ANALYZE {connection.ops.quote_name(Asset._meta.db_table)}")
            cursor.execute("ANALYZE")
        else:
            cursor.execute("PRAGMA optimize")


def load(size: int) -> None:
    """The library at `size` assets: assets added to (or the newest numbers removed from) what the
    database holds, so the sizes of one run, and the next run, reuse the rows already loaded."""
    bench_assets = Asset.objects.filter(asset_id__startswith="BN-")
    loaded = bench_assets.count()
    if loaded == size:
        return
    start = time.perf_counter()
    if loaded > size:
        _trim(size)
        loaded = size
    first_and_last = [("BN-000000", EPOCH), (f"BN-{loaded - 1:06d}", EPOCH - timedelta(minutes=loaded - 1))]
    if loaded and sum(bench_assets.filter(asset_id=a, published_at=p).count() for a, p in first_and_last) < 2:
        # Rows of an older loader (not numbers 0..loaded-1 published from EPOCH): start over.
        bench_assets.delete()
        loaded = 0
    tags = _tags()
    audiences = [Audience.objects.get_or_create(name=name)[0] for name in AUDIENCES]
    admin = User.objects.filter(role=Role.ENABLEMENT_ADMIN).first()
    now = timezone.now()
    for first in range(loaded, size, BATCH):
        rows = [_asset(n, tags, audiences, now) for n in range(first, min(first + BATCH, size))]
        assets = Asset.objects.bulk_create([row[0] for row in rows])
        versions = AssetVersion.objects.bulk_create(
            AssetVersion(
                asset=asset,
                version=f"1.{minor}.0",
                major=1,
                minor=minor,
                external_url=f"https://cdn.example.com/{asset.asset_id}-{minor}.pdf",
                status=VersionStatus.PUBLISHED,
                published_at=now,
                published_by=admin,
            )
            for asset in assets
            for minor in range(3)
        )
        for asset, version in zip(assets, versions[2::3], strict=True):
            asset.current_version = version
        Asset.objects.bulk_update(assets, ["current_version"])
        TaggedAsset.objects.bulk_create(
            TaggedAsset(content_object=asset, tag=tag)
            for asset, (_, asset_tags, _) in zip(assets, rows, strict=True)
            for tag in asset_tags
        )
        through = Asset.audiences.through
        through.objects.bulk_create(
            through(asset=asset, audience=audience)
            for asset, (_, _, auds) in zip(assets, rows, strict=True)
            for audience in auds
        )
    # The vocabulary typos are corrected against, as services.asset_refresh keeps it.
    vocabulary_add(Asset.objects.values_list("title", flat=True).distinct().iterator())
    vocabulary_add([" ".join(t.label for t in tags), " ".join(AUDIENCES)])
    library_changed()
    _compact()
    print(f"collateral_search: loaded {size} assets x 3 versions in {time.perf_counter() - start:.1f} s")


def _raw_fulltext(params: dict[str, str]) -> None:
    """The baseline: the same words as one bare full-text query, all words required (the last
    as a prefix, as typed), ranked by ts_rank and cut to a page: the database alone, no Django."""
    words = [word for word in words_of(params["q"]) if word not in STOP_WORDS]
    query = " & ".join(f"'{word}'" for word in words) + ":*"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT id FROM collateral_asset WHERE archived_at IS NULL"
                " AND search_vector @@ to_tsquery('english', %s)"
                " ORDER BY ts_rank(search_vector, to_tsquery('english', %s)) DESC, published_at DESC LIMIT 20",
                [query, query],
            )
        else:
            fts5 = " AND ".join(f'"{word}"' for word in words) + "*"
            cursor.execute(
                "SELECT rowid FROM collateral_asset_fts WHERE collateral_asset_fts MATCH %s ORDER BY rank LIMIT 20",
                [fts5],
            )
        cursor.fetchall()


@dataclass
class Measured:
    size: int
    pages: list[float]
    cached_pages: list[float]
    cold_pages: list[float]
    apis: list[float]
    raw: list[float]


def measure(size: int, page_client: Client, api_client: Client) -> Measured:
    load(size)

    def timed(fn: Callable[[dict[str, str]], object], *, warmup: int = 1) -> list[float]:
        samples = []
        for params in QUERIES:
            samples.extend(per_call_seconds(partial(fn, params), repeat=REPEAT, warmup=warmup))
            reset_queries()
        return samples

    def page(params: dict) -> None:
        assert page_client.get("/collateral/", params).status_code == 200

    def api(params: dict) -> None:
        api_params = {"q": params["q"], "tag": [params["industry"]] if "industry" in params else []}
        api_params |= {k: params[k] for k in ("type", "audience") if k in params}
        assert api_client.get("/api/v1/collateral", api_params).status_code == 200

    def cold_page(params: dict) -> None:
        # As the first search after a publish: the lexicon and every cached count are read again.
        library_changed()
        page(params)

    # Every search as if it were the first since the last publish (nothing of it cached), the
    # lexicon loaded: what a rep typing a new query waits for. Then the same, cached.
    with override_settings(COLLATERAL_SEARCH_CACHE_SECONDS=0):
        pages = timed(page)
        apis = timed(api)
    cached_pages = timed(page)
    colds = timed(cold_page)
    raw = timed(_raw_fulltext, warmup=3)
    measured = Measured(size, pages, cached_pages, colds, apis, raw)
    print(
        f"collateral_search: {size:,} assets ({connection.vendor}): page p50 {median_ms(pages):.1f} "
        f"p95 {p95_ms(pages):.1f} ms (cached p95 {p95_ms(cached_pages):.1f}, after a publish "
        f"{p95_ms(colds):.1f}); API p50 {median_ms(apis):.1f} p95 {p95_ms(apis):.1f} ms; raw full-text "
        f"SQL p50 {median_ms(raw):.1f} p95 {p95_ms(raw):.1f} ms"
    )
    return measured


def _results(m: Measured) -> list[Result]:
    vendor, size = connection.vendor, f"{m.size:,}"
    raw_p50, raw_p95 = median_ms(m.raw), p95_ms(m.raw)
    rows = [
        (f"search page p50, {size}", median_ms(m.pages), raw_p50, "baseline: raw full-text SQL p50"),
        (f"search page p95, {size}", p95_ms(m.pages), raw_p95, "p95 < 50 ms at 100,000 (PostgreSQL)"),
        (f"search page cached p95, {size}", p95_ms(m.cached_pages), raw_p95, "the same query again (no target)"),
        (f"search page after publish p95, {size}", p95_ms(m.cold_pages), raw_p95, "lexicon reloaded (no target)"),
        (f"API search p50, {size}", median_ms(m.apis), raw_p50, "baseline: raw full-text SQL p50"),
        (f"API search p95, {size}", p95_ms(m.apis), raw_p95, "p95 < 30 ms at 100,000 (PostgreSQL)"),
    ]
    return [
        Result(f"collateral: {name} ({vendor})", value, "ms", base, value / base, target)
        for name, value, base, target in rows
    ]


def run() -> list[Result]:
    rep, _ = User.objects.get_or_create(username="bench.rep", defaults={"role": Role.REP})
    user_set_role(user=rep, role=Role.REP)
    User.objects.get_or_create(username="bench.admin", defaults={"role": Role.ENABLEMENT_ADMIN})
    page_client = Client(SERVER_NAME="localhost")
    page_client.force_login(rep)
    from accounts.models import ApiKey

    ApiKey.objects.filter(name="bench-collateral").delete()
    _, token = api_key_create(name="bench-collateral", scopes=["collateral:read"])
    api_client = Client(SERVER_NAME="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")

    measured = [measure(size, page_client, api_client) for size in SIZES]
    results = [result for m in measured for result in _results(m)]
    smallest, largest = measured[0], measured[-1]
    results.append(
        Result(
            f"collateral: search page p95, {largest.size:,} vs {smallest.size:,} ({connection.vendor})",
            p95_ms(largest.pages),
            "ms",
            p95_ms(smallest.pages),
            p95_ms(largest.pages) / p95_ms(smallest.pages),
            "ratio <= 1.5 (PostgreSQL)",
        )
    )

    # Every tag must match: the API's most expensive filter, at its cap of 10 (a join per tag
    # took 0.5 s at 10 and over 60 s at 100). Baseline: the same search with one tag.
    tag_names = INDUSTRIES[:10]

    def tagged(count: int) -> None:
        response = api_client.get("/api/v1/collateral", {"tag": tag_names[:count]})
        assert response.status_code == 200

    one_tag = per_call_seconds(lambda: tagged(1), repeat=REPEAT * 4, warmup=2)
    ten_tags = per_call_seconds(lambda: tagged(10), repeat=REPEAT * 4, warmup=2)

    counts = []
    for params in [{"q": "topic"}, {"q": "payments"}, {"q": "payments fraud kubernetes"}]:
        with CaptureQueriesContext(connection) as queries:
            assert page_client.get("/collateral/", params).status_code == 200
        counts.append(len(queries.captured_queries))
    print(f"collateral_search: queries per page for 3 result sizes: {counts} ({connection.vendor})")
    return [
        *results,
        Result(
            f"collateral: API search, 10 tags vs 1 tag p50 ({connection.vendor})",
            median_ms(ten_tags),
            "ms",
            median_ms(one_tag),
            median_ms(ten_tags) / median_ms(one_tag),
            "ratio < 2 (one grouped subquery, not a join per tag)",
        ),
        Result(
            "collateral: page queries, narrow vs broad",
            counts[-1],
            "queries",
            counts[0],
            counts[-1] / counts[0],
            "equal (ratio 1.00)",
        ),
    ]
