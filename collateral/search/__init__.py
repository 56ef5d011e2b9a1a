"""Collateral search: what the rep meant (`query`), the words the library knows (`lexicon`),
the ranked match on each database (`backends`) and the marked-up result text (`highlight`).

A query is read into terms, each of which may also be written another way (a synonym);
misspelt words are corrected against the library's vocabulary first, and the words that name
a type, an audience or a tag become chips. Assets match when any term matches and rank by how
many terms they match, then by where (title 10, tags/type/audiences 4, description 1): the
same score on SQLite (FTS5) and PostgreSQL (full text), so both give the same order.
"""

from collateral.search.backends import order_by_relevance, search_assets
from collateral.search.query import Chip, Understood, understand

__all__ = ["Chip", "Understood", "order_by_relevance", "search_assets", "understand"]
