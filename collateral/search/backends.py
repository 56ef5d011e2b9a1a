"""The match and its score on each database, from one `Understood` query.

- PostgreSQL: the tsvector column `search_vector` (title A, tags/type/audiences B, description C;
  kept by a trigger, GIN-indexed). A match is one `@@` (answered by the GIN index); the score
  tests each term against the row's vector, whole and per weight.
- SQLite: the FTS5 table `collateral_asset_fts` (porter stemming, columns title, search_text,
  description, kept by triggers). The same tests as ids of the rows that match, each an
  uncorrelated subquery that SQLite runs once.

Candidates before the score: the score is only computed for the candidates, found with the
index in one query whose ids are cached per library version: the newest CANDIDATES + 1 assets
matching every term, and (for more than one term) the newest CANDIDATES + 1 matching any term.
With at most CANDIDATES matches that is every match, so the ranking is exact; past it (the page
says "1,000+") every asset matching all the words is still ranked when there are at most
CANDIDATES of them, and a sort by date is exact either way.
Scoring every match instead grew with the library: at 100,000 assets a one-word query read and
scored 10,000 rows (50-70 ms on PostgreSQL) for its first page.

Score, the same on both: 1000 for every term matched anywhere (all words > most > some), plus
10 / 4 / 1 for every term found in the title / tags / description, plus 8 when the asset is of a
type the words named. Ties: newest first, then asset id.
"""

import hashlib
import json
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.postgres.search import SearchQuery
from django.core.cache import cache
from django.db import connection
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.db.models.expressions import Combinable, RawSQL

from collateral.search.lexicon import library_version
from collateral.search.query import Term, Understood

FTS_TABLE = "collateral_asset_fts"
MATCHED = 1000
# Per column: (FTS5 column, PostgreSQL weight, points).
COLUMNS = (("title", "A", 10), ("search_text", "B", 4), ("description", "C", 1))
TYPE_POINTS = 8
# How many matches are ranked (per kind of match, see above) and counted ("1,000+").
CANDIDATES = 1000

_AssetsT = TypeVar("_AssetsT", bound=QuerySet)


def _tsquery(term: Term, weight: str = "") -> str:
    label = ("*" if term.prefix else "") + weight
    suffix = f":{label}" if label else ""
    # Words are letters and digits only (lexicon.WORD_RE): nothing to escape inside the quotes.
    alternatives = [" & ".join(f"'{word}'{suffix}" for word in alt) for alt in term.alternatives]
    return "(" + " | ".join(f"({alt})" for alt in alternatives) + ")"


def _fts5(term: Term) -> str:
    star = "*" if term.prefix else ""
    alternatives = [" AND ".join(f'"{word}"{star}' for word in alt) for alt in term.alternatives]
    return "(" + " OR ".join(f"({alt})" for alt in alternatives) + ")"


def _pg_query(text: str) -> SearchQuery:
    return SearchQuery(text, search_type="raw", config="english")


def _fts5_ids(expression: str) -> RawSQL:
    # The table name is a constant and the expression a parameter: nothing typed is in the SQL text.
    return RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", (expression,))  # noqa: S608, S611


def _points(condition: dict, points: int) -> Case:
    return Case(When(**condition, then=Value(points)), default=Value(0), output_field=IntegerField())


def search_assets(queryset: _AssetsT, understood: Understood) -> _AssetsT:
    """`queryset` narrowed to its candidates matching the query (see above), with their score as
    the alias `relevance` (unchanged for a query without terms). Filter `queryset` before, not
    after: the candidates are chosen among its rows."""
    if understood.is_empty:
        return queryset
    terms = understood.terms
    parts: list[Combinable] = []
    if connection.vendor == "postgresql":
        every = queryset.filter(search_vector=_pg_query(" & ".join(_tsquery(t) for t in terms)))
        some = queryset.filter(search_vector=_pg_query(" | ".join(_tsquery(t) for t in terms)))
        for term in terms:
            parts.append(_points({"search_vector": _pg_query(_tsquery(term))}, MATCHED))
            parts += [_points({"search_vector": _pg_query(_tsquery(term, w))}, p) for _, w, p in COLUMNS]
    else:
        every = queryset.filter(pk__in=_fts5_ids(" AND ".join(_fts5(t) for t in terms)))
        some = queryset.filter(pk__in=_fts5_ids(" OR ".join(_fts5(t) for t in terms)))
        for term in terms:
            parts.append(_points({"pk__in": _fts5_ids(_fts5(term))}, MATCHED))
            parts += [_points({"pk__in": _fts5_ids(f"{column} : {_fts5(term)}")}, p) for column, _, p in COLUMNS]
    if understood.types:
        parts.append(_points({"type__in": understood.types}, TYPE_POINTS))
    score = parts[0]
    for part in parts[1:]:
        score = score + part
    candidates = candidate_ids(every, some) if len(terms) > 1 else candidate_ids(every)
    among = queryset.filter(pk__in=_one_parameter(candidates)) if candidates else queryset.none()
    return among.alias(relevance=score)


def _one_parameter(ids: list[int]) -> RawSQL:
    """`ids` as a subquery of one parameter: an `IN` of a thousand placeholders took the driver
    longer to build (~5 ms) than PostgreSQL took to read the rows."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (ids,))
    return RawSQL("SELECT value FROM json_each(%s)", (json.dumps(ids),))


def candidate_ids(*matches: QuerySet) -> list[int]:
    """Ids of the newest CANDIDATES + 1 assets of each of `matches` (one query, none when this
    exact query ran since the library last changed): the score, the page and the counts then read
    these rows alone, instead of each finding them again."""
    selects: list[str] = []
    params: list[Any] = []
    for index, assets in enumerate(matches):
        newest = assets.order_by("-published_at", "-pk").values("pk")[: CANDIDATES + 1]
        sql, select_params = newest.query.sql_with_params()
        selects.append(f"SELECT * FROM ({sql}) AS newest_{index}")  # noqa: S608 (Django's compiled SQL)
        params += select_params
    # One statement (ORed `IN`s would make PostgreSQL test every row against both); what was
    # typed is only in the parameters.
    sql = " UNION ALL ".join(selects)
    key = f"collateral:candidates:{library_version()}:{hashlib.sha256(repr((sql, params)).encode()).hexdigest()}"
    found = cache.get(key)
    if found is None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = sorted({row[0] for row in cursor.fetchall()})
        cache.set(key, found, timeout=settings.COLLATERAL_SEARCH_CACHE_SECONDS)
    return found


def order_by_relevance(queryset: _AssetsT) -> _AssetsT:
    """Best match first, newest first among equals (the queryset comes from search_assets)."""
    if "relevance" not in queryset.query.annotations:
        return queryset.order_by("-published_at", "asset_id")
    return queryset.order_by("-relevance", "-published_at", "asset_id")
