"""The match and its score on each database, from one `Understood` query.

- PostgreSQL: the tsvector column `search_vector` (title A, tags/type/audiences B, description C;
  kept by a trigger, GIN-indexed). The match is one `@@` of every term ORed (answered by the
  GIN index); the score tests each term against the row's vector, whole and per weight.
- SQLite: the FTS5 table `collateral_asset_fts` (porter stemming, columns title, search_text,
  description, kept by triggers). The same tests as ids of the rows that match, each an
  uncorrelated subquery that SQLite runs once.

Score, the same on both: 1000 for every term matched anywhere (all words > most > some), plus
10 / 4 / 1 for every term found in the title / tags / description, plus 8 when the asset is of a
type the words named. Ties: newest first, then asset id.
"""

from typing import TypeVar

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.db.models.expressions import Combinable, RawSQL

from collateral.search.query import Term, Understood

FTS_TABLE = "collateral_asset_fts"
MATCHED = 1000
# Per column: (FTS5 column, PostgreSQL weight, points).
COLUMNS = (("title", "A", 10), ("search_text", "B", 4), ("description", "C", 1))
TYPE_POINTS = 8

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
    """`queryset` narrowed to the assets matching any term, with their score as the alias
    `relevance` (unchanged for a query without terms)."""
    if understood.is_empty:
        return queryset
    parts: list[Combinable] = []
    if connection.vendor == "postgresql":
        matching = queryset.filter(search_vector=_pg_query(" | ".join(_tsquery(t) for t in understood.terms)))
        for term in understood.terms:
            parts.append(_points({"search_vector": _pg_query(_tsquery(term))}, MATCHED))
            parts += [_points({"search_vector": _pg_query(_tsquery(term, w))}, p) for _, w, p in COLUMNS]
    else:
        matching = queryset.filter(pk__in=_fts5_ids(" OR ".join(_fts5(t) for t in understood.terms)))
        for term in understood.terms:
            parts.append(_points({"pk__in": _fts5_ids(_fts5(term))}, MATCHED))
            parts += [_points({"pk__in": _fts5_ids(f"{column} : {_fts5(term)}")}, p) for column, _, p in COLUMNS]
    if understood.types:
        parts.append(_points({"type__in": understood.types}, TYPE_POINTS))
    score = parts[0]
    for part in parts[1:]:
        score = score + part
    return matching.alias(relevance=score)


def order_by_relevance(queryset: _AssetsT) -> _AssetsT:
    """Best match first, newest first among equals (the queryset comes from search_assets)."""
    if "relevance" not in queryset.query.annotations:
        return queryset.order_by("-published_at", "asset_id")
    return queryset.order_by("-relevance", "-published_at", "asset_id")
