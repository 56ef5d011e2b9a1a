"""Relevance, measured: the labelled queries of tests/collateral/relevance.py over the demo
library, on whichever database the suite runs (CI runs SQLite and PostgreSQL).

Floors over the set: recall@3 >= 0.95 and MRR >= 0.85. For every query without a typo the first
result is the labelled best asset, so both databases give the same top result.
"""

import pytest
from django.core.cache import cache

from collateral.models import Asset, Audience, CollateralTag, SearchSynonym, SearchWord
from tests.accounts.factories import UserFactory
from tests.collateral.relevance import QUERIES, load_library, ranked, score


@pytest.fixture(scope="module")
def library(django_db_setup, django_db_blocker):
    """The library once for the module (48 assets through the services), removed afterwards."""
    with django_db_blocker.unblock():
        author = UserFactory(username="relevance.author", role="enablement_admin", team=None)
        ids = load_library(by=author)
        yield ids
        Asset.objects.filter(asset_id__in=ids.values()).delete()
        for model in (CollateralTag, Audience, SearchSynonym, SearchWord):
            model.objects.all().delete()
        author.delete()
        cache.clear()


@pytest.mark.django_db
@pytest.mark.parametrize("labelled", QUERIES, ids=[labelled.query for labelled in QUERIES])
def test_each_labelled_query_finds_its_assets(library, labelled):
    results = ranked(labelled.query)
    expected = library[labelled.relevant[0]]
    if labelled.typo:
        assert expected in results[:3]
    else:
        # The labelled best asset first: the same top result on every database.
        assert results[0] == expected


@pytest.mark.django_db
def test_the_set_meets_its_recall_and_mrr_floors(library):
    assert len(QUERIES) >= 40
    scores = score(library)
    assert scores.recall_at_3 >= 0.95, scores.misses
    assert scores.mrr >= 0.85
