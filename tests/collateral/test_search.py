"""One corpus, the same answers on SQLite (FTS5) and PostgreSQL (full text + trigram).

CI runs this module in both passes; the expected lists below are the contract between them.
"""

import pytest

from collateral.models import Asset
from collateral.selectors import AssetPages, LibraryFilters, assets_for_display, assets_matching, count_capped
from tests.collateral.factories import published_asset

pytestmark = pytest.mark.django_db

CORPUS = [
    # asset_id, title, tags, description
    ("CS-0001", "Payments platform cuts latency for a fintech leader", ["fintech", "api_performance"], "A bank."),
    ("WP-0001", "Scaling event pipelines", ["payments", "scalability"], "Throughput at peak."),
    ("CS-0002", "Retail checkout migration", ["retail"], "The payments team moved checkout in a weekend."),
    ("BC-0001", "Winning against Competitor X", ["competitor_x", "fintech"], "Objection handling for scaled teams."),
    ("OP-0001", "Healthcare records one-pager", ["healthcare", "compliance"], "Audit trails and consent."),
]

EXPECTED = {
    # A word in a title ranks above the same word in tags, which ranks above the description.
    "payments": ["CS-0001", "WP-0001", "CS-0002"],
    # Stemming: "scaled" and "scaling" are the same word on both backends.
    "scaling": ["WP-0001", "BC-0001"],
    # Every word matched ranks above some words matched.
    "fintech competitor": ["BC-0001", "CS-0001"],
    # The last word is a prefix, for live search as you type.
    "health": ["OP-0001"],
    "paym": ["CS-0001", "WP-0001", "CS-0002"],
    # Underscored tags are searchable as words.
    "api performance": ["CS-0001"],
    "audit consent": ["OP-0001"],
    "nothing-like-this": [],
}


@pytest.fixture
def corpus(admin):
    for asset_id, title, tags, description in CORPUS:
        published_asset(by=admin, asset_id=asset_id, title=title, tags=tags, description=description)


def ranked(query: str) -> list[str]:
    filters = LibraryFilters(q=query)
    assets = assets_for_display(assets_matching(user=None, filters=filters), filters)
    return list(assets.values_list("asset_id", flat=True))


@pytest.mark.parametrize("query", list(EXPECTED))
def test_the_same_corpus_gives_the_same_ranking_on_every_database(corpus, query):
    assert ranked(query) == EXPECTED[query]


@pytest.mark.parametrize("query", ["payments", "paym", "", "pyments"])
def test_a_page_is_the_same_slice_of_the_ranking(corpus, query):
    filters = LibraryFilters(q=query)
    pages = AssetPages(assets_for_display(assets_matching(user=None, filters=filters), filters))
    for window in [slice(0, 2), slice(1, 3), slice(2, 4)]:
        assert [asset.asset_id for asset in pages[window]] == ranked(query)[window]


def test_an_empty_query_lists_everything_newest_first(corpus):
    assert ranked("") == [row[0] for row in reversed(CORPUS)]


def test_punctuation_and_search_syntax_are_just_words(corpus):
    for query in ['"payments', "payments*", "payments OR retail", "payments)", "NEAR(payments", "-payments", "'"]:
        ranked(query)  # never a database error
    assert ranked("payments OR retail")[0] == "CS-0002"


def test_search_follows_title_and_tag_changes(corpus, admin):
    from collateral.services import asset_update

    asset_update(asset=Asset.objects.get(asset_id="OP-0001"), by=admin, title="Payments records", tags=["retail"])
    assert ranked("payments")[0] == "OP-0001"
    assert ranked("healthcare") == []


def test_a_typo_is_corrected_against_the_library_on_every_database(corpus):
    # No asset contains "pyments": it is read as "payments", the nearest word of the library.
    assert ranked("pyments") == ranked("payments")
    assert ranked("healthcare") == ["OP-0001"]


def test_past_its_candidates_a_search_still_ranks_every_asset_with_all_the_words_first(admin, monkeypatch):
    from collateral.search import backends

    monkeypatch.setattr(backends, "CANDIDATES", 3)
    for n in range(2):
        published_asset(by=admin, asset_id=f"CS-{n + 1:04d}", title=f"Retail checkout story {n}")
    # Newer, and matching one word only.
    for n in range(6):
        published_asset(by=admin, asset_id=f"WP-{n + 1:04d}", title=f"Retail paper {n}")
    # Only the candidates are ranked: every asset with all the words (2), and the newest
    # CANDIDATES + 1 with any of them; not all 8 matches.
    assert ranked("retail checkout") == ["CS-0002", "CS-0001", "WP-0006", "WP-0005", "WP-0004", "WP-0003"]
    # One word: its newest CANDIDATES + 1 matches.
    assert ranked("paper") == ["WP-0006", "WP-0005", "WP-0004", "WP-0003"]
    assert count_capped(assets_matching(user=None, filters=LibraryFilters(q="retail")), 3) == (3, True)
