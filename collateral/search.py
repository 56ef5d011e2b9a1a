"""Ranked search over title, tags and description, with one backend per database.

- PostgreSQL: full text with weights A (title), B (tags), C (description) in the column
  `search_vector` (kept by a trigger, GIN-indexed), ranked by ts_rank. When no asset at all
  contains the words, near misses (typos) of titles and tags are found instead through
  pg_trgm's word similarity (GIN trigram indexes), ranked by similarity.
- SQLite: the FTS5 table `collateral_asset_fts` (porter stemming, kept in step by triggers,
  see migration 0002), ranked by bm25 with the same column weights.

Both read the query the same way: words are ANDed and the last word is a prefix (live search
as you type), so the same corpus gives the same top results on both.
"""

import re
from typing import TypeVar

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db import connection
from django.db.models import BooleanField, F, Func, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest

MAX_TERMS = 8
FTS_TABLE = "collateral_asset_fts"
# bm25 weights per FTS5 column (title, search_text, description): the same order as PostgreSQL's A, B, C.
BM25_WEIGHTS = "10.0, 4.0, 1.0"


# PostgreSQL's English stop words, dropped from queries on every backend (FTS5 indexes them),
# so that "payments or retail" means the same on both.
_STOP_WORDS_TEXT = (
    "a about above after again against all am an and any are as at be because been before being below between "
    "both but by can did do does doing don down during each few for from further had has have having he her here "
    "hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now "
    "of off on once only or other our ours ourselves out over own s same she should so some such t than that the "
    "their theirs them themselves then there these they this those through to too under until up very was we "
    "were what when where which while who whom why will with you your yours yourself yourselves"
)
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


# The caller's queryset class comes back (an AssetQuerySet stays one).
_AssetsT = TypeVar("_AssetsT", bound=QuerySet)


def query_terms(query: str) -> list[str]:
    """Words of the query, lower-cased, without stop words; punctuation and underscores separate words."""
    words = re.findall(r"[^\W_]+", (query or "").lower())
    return [word for word in words if word not in STOP_WORDS][:MAX_TERMS]


class WordSimilar(Func):
    """`query <% column`: pg_trgm word similarity above its threshold, answered by a trigram GIN index."""

    arg_joiner = " <%% "
    template = "%(expressions)s"
    output_field = BooleanField()


def _tsquery(terms: list[str]) -> SearchQuery:
    parts = [f"'{term}'" for term in terms[:-1]] + [f"'{terms[-1]}':*"]
    return SearchQuery(" & ".join(parts), search_type="raw", config="english")


def _fts5_match(terms: list[str]) -> str:
    return " ".join([f'"{term}"' for term in terms[:-1]] + [f'"{terms[-1]}"*'])


def search_assets(queryset: _AssetsT, query: str) -> _AssetsT:
    """`queryset` narrowed to the assets matching `query` (unchanged for an empty query)."""
    terms = query_terms(query)
    if not terms:
        return queryset
    if connection.vendor == "postgresql":
        tsquery = _tsquery(terms)
        # One cheap indexed probe decides: words that occur anywhere use full text (exactly what
        # SQLite does); otherwise near misses (typos) of titles and tags, by trigram similarity.
        # Checking both in one OR would evaluate trigram similarity on every row.
        if queryset.model._default_manager.filter(search_vector=tsquery).exists():
            return queryset.filter(search_vector=tsquery)
        text = " ".join(terms)
        return queryset.filter(
            Q(WordSimilar(Value(text), F("title"))) | Q(WordSimilar(Value(text), F("search_text")))
        ).alias(similarity=Greatest(TrigramWordSimilarity(text, "title"), TrigramWordSimilarity(text, "search_text")))
    # The table name is a constant and the query a parameter: nothing from the user is in the SQL text.
    matching = RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", (_fts5_match(terms),))  # noqa: S608, S611
    return queryset.filter(pk__in=matching)


def order_by_relevance(queryset: _AssetsT, query: str) -> _AssetsT:
    """Best match first, newest first among equals. Apply after every filter (it is not a subquery)."""
    terms = query_terms(query)
    if not terms:
        return queryset.order_by("-published_at", "asset_id")
    if connection.vendor == "postgresql":
        if "similarity" in queryset.query.annotations:
            return queryset.order_by("-similarity", "-published_at", "asset_id")
        rank = SearchRank(F("search_vector"), _tsquery(terms))
        return queryset.annotate(rank=rank).order_by("-rank", "-published_at", "asset_id")
    # SQLite: join the FTS5 table, so that bm25 is computed once per match while FTS5 drives the
    # query (a correlated subquery per row would run MATCH once for every matching asset).
    table = queryset.model._meta.db_table
    return queryset.extra(  # type: ignore[return-value]  # noqa: S610 (constant SQL text; the query is a parameter)
        select={"rank": f"-bm25({FTS_TABLE}, {BM25_WEIGHTS})"},
        tables=[FTS_TABLE],
        where=[f"{FTS_TABLE}.rowid = {table}.id", f"{FTS_TABLE} MATCH %s"],
        params=[_fts5_match(terms)],
    ).order_by("-rank", "-published_at", "asset_id")
