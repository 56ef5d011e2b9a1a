from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from collateral.models import AssetUsage, UsageKind
from collateral.services import asset_archive, asset_publish_version, asset_update
from tests.collateral.factories import AssetFactory, DealFactory, bulk_library, draft_version, published_asset

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def library(admin):
    """Two published assets, one draft-only asset, one archived asset."""
    return {
        "fintech": published_asset(
            by=admin, asset_id="CS-0001", title="Fintech latency story", tags=["fintech"], audiences=["CTO"]
        ),
        "retail": published_asset(
            by=admin, asset_id="OP-0001", type="OnePager", title="Retail one-pager", tags=["retail"], audiences=["CFO"]
        ),
        "draft": draft_version(AssetFactory(asset_id="WP-0001", title="Secret draft whitepaper"), "1.0.0").asset,
        "archived": asset_archive(
            asset=published_asset(by=admin, asset_id="BC-0001", title="Old battlecard"), by=admin
        ),
    }


def test_the_library_needs_a_login(db):
    response = Client().get("/collateral/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_reps_see_published_assets_but_never_drafts_or_archived_ones(rep, library):
    client = logged_in(rep)
    html = client.get("/collateral/").content.decode()
    assert "Fintech latency story" in html and "Retail one-pager" in html
    assert "Secret draft" not in html and "Old battlecard" not in html
    for query in ["secret", "battlecard"]:
        assert client.get("/collateral/", {"q": query}).context["page"].paginator.count == 0
    for asset_id in ["WP-0001", "BC-0001"]:
        assert client.get(f"/collateral/{asset_id}/").status_code == 404
        assert client.get(f"/c/{asset_id}/").status_code == 404
        assert client.get(f"/c/{asset_id}/download/").status_code == 404
    assert client.get("/collateral/WP-0001/v/1.0.0/").status_code == 404


def test_a_draft_version_of_a_published_asset_is_hidden_from_reps(rep, library):
    draft_version(library["fintech"], "2.0.0")
    client = logged_in(rep)
    assert client.get("/collateral/CS-0001/v/2.0.0/").status_code == 404
    assert "2.0.0" not in client.get("/collateral/CS-0001/").content.decode()
    assert client.get("/c/CS-0001/")["Location"] == "/collateral/CS-0001/v/1.0.0/"


def test_live_search_answers_htmx_with_the_results_only(rep, library):
    response = logged_in(rep).get("/collateral/", {"q": "fint"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    # The typed prefix is highlighted in the title.
    assert "<mark>Fintech</mark> latency story" in html and "Retail one-pager" not in html
    assert "HX-Request" in response["Vary"]


def test_htmx_restoring_a_pushed_url_gets_the_whole_page(rep, library):
    # htmx 2 sends HX-Request with its history restore request when the page is not in its cache.
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    response = logged_in(rep).get("/collateral/", {"q": "fint"}, headers=headers)
    html = response.content.decode()
    assert "<html" in html and "<mark>Fintech</mark> latency story" in html
    assert "HX-History-Restore-Request" in response["Vary"]


def test_a_facet_filters_the_results_and_shows_its_counts(rep, library):
    client = logged_in(rep)
    facets = {f.param: {o.value: o.count for o in f.options} for f in client.get("/collateral/").context["facets"]}
    assert facets["industry"] == {"fintech": 1, "retail": 1}
    assert facets["type"] == {"CaseStudy": 1, "OnePager": 1}
    assert facets["audience"] == {"CFO": 1, "CTO": 1}

    response = client.get("/collateral/", {"industry": "retail"})
    assert [a.asset_id for a in response.context["page"]] == ["OP-0001"]
    facets = {f.param: {o.value: (o.count, o.selected) for o in f.options} for f in response.context["facets"]}
    assert facets["industry"] == {"retail": (1, True)}
    assert facets["audience"] == {"CFO": (1, False)}
    assert client.get("/collateral/", {"audience": "CTO"}).context["page"].paginator.count == 1
    assert client.get("/collateral/", {"type": "OnePager"}).context["page"].paginator.count == 1


@pytest.mark.parametrize("params", [{}, {"q": "fintech"}])
def test_a_published_asset_is_found_and_counted_at_once_and_an_archived_one_is_gone(rep, admin, library, params):
    client = logged_in(rep)

    def seen() -> tuple[list[str], int, dict[str, int]]:
        response = client.get("/collateral/", params)
        facets = {f.param: {o.value: o.count for o in f.options} for f in response.context["facets"]}
        return [a.asset_id for a in response.context["page"]], response.context["counts"].total, facets["industry"]

    # Counted once, then cached until the library changes.
    before = seen()
    assert before[0][-1] == "CS-0001" and before[2]["fintech"] == 1
    assert seen() == before
    new = published_asset(by=admin, asset_id="CS-0002", title="Fintech fraud story", tags=["fintech"])
    ids, total, industries = seen()
    assert ids[0] == "CS-0002" and total == before[1] + 1 and industries["fintech"] == 2
    asset_archive(asset=new, by=admin)
    assert seen() == before


def test_an_empty_search_offers_the_nearest_results_without_the_most_restrictive_filter(rep, library):
    response = logged_in(rep).get("/collateral/", {"q": "latency", "industry": "retail"})
    html = response.content.decode()
    assert response.context["page"].paginator.count == 0
    assert "No assets match “latency” with these filters" in html
    # Dropping the industry finds the fintech story: offered, with the filter it dropped named.
    assert "Nearest matches without <strong>Industry: retail</strong>" in html
    assert [a.asset_id for a in response.context["relaxed_assets"]] == ["CS-0001"]


def test_words_that_match_nothing_offer_the_nearest_words_of_the_library(rep, library):
    response = logged_in(rep).get("/collateral/", {"q": "latensy storeys", "literal": "1"})
    assert response.context["page"].paginator.count == 0
    assert response.context["relaxed"].nearest == "latency story"
    assert [a.asset_id for a in response.context["relaxed_assets"]] == ["CS-0001"]


def test_sort_by_newest_and_most_used(rep, library, admin):
    client = logged_in(rep)
    newest = [a.asset_id for a in client.get("/collateral/", {"sort": "newest"}).context["page"]]
    assert newest == ["OP-0001", "CS-0001"]
    client.get("/collateral/CS-0001/")
    most_used = [a.asset_id for a in client.get("/collateral/", {"sort": "most_used"}).context["page"]]
    assert most_used == ["CS-0001", "OP-0001"]


@pytest.mark.parametrize(
    ("params", "share"), [({}, 1), ({"q": "fintech"}, 1), ({"q": "fintech", "industry": "fintech"}, 0.5)]
)
def test_the_list_and_search_pages_keep_a_constant_query_count(
    rep, admin, params, share, django_assert_max_num_queries
):
    client = logged_in(rep)
    bulk_library(10, admin=admin, prefix="TS")
    with django_assert_max_num_queries(10) as small:
        assert client.get("/collateral/", params).status_code == 200
    bulk_library(190, admin=admin, prefix="PD")
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = client.get("/collateral/", params)
    assert response.context["page"].paginator.count == 200 * share
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_asset_page_shows_the_current_version_and_its_history(rep, admin, library):
    asset = library["fintech"]
    newer = draft_version(asset, "1.1.0", changelog="New figures for 2026")
    asset_publish_version(version=newer, by=admin)
    html = logged_in(rep).get("/collateral/CS-0001/").content.decode()
    assert "Version 1.1.0" in html
    assert "New figures for 2026" in html
    assert "/collateral/CS-0001/v/1.0.0/" in html
    assert "http://testserver/c/CS-0001/" in html  # the permalink to copy


def test_an_old_version_link_shows_a_banner_pointing_to_the_newer_one(rep, admin, library):
    asset_publish_version(version=draft_version(library["fintech"], "1.1.0"), by=admin)
    html = logged_in(rep).get("/collateral/CS-0001/v/1.0.0/").content.decode()
    assert "A newer version is published" in html
    assert 'href="/collateral/CS-0001/v/1.1.0/"' in html
    assert "A newer version" not in logged_in(rep).get("/collateral/CS-0001/v/1.1.0/").content.decode()


def test_viewing_an_asset_records_one_view_event_in_one_insert(rep, library, django_assert_max_num_queries):
    client = logged_in(rep)
    with django_assert_max_num_queries(12) as queries:
        client.get("/collateral/CS-0001/")
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1 and "collateral_assetusage" in inserts[0]
    usage = AssetUsage.objects.get()
    assert (usage.kind, usage.user, usage.version) == (UsageKind.VIEW, rep, library["fintech"].current_version)


def test_an_external_version_downloads_by_redirect_and_records_the_download(rep, library):
    response = logged_in(rep).get("/c/CS-0001/download/")
    assert response.status_code == 302
    assert response["Location"] == "https://cdn.example.com/asset.pdf"
    assert AssetUsage.objects.get().kind == UsageKind.DOWNLOAD


def test_sharing_to_an_own_open_deal_records_a_share_with_the_deal(rep, library):
    deal = DealFactory(owner=rep, name="Acme renewal")
    client = logged_in(rep)
    assert "Acme renewal" in client.get("/collateral/CS-0001/").content.decode()
    response = client.post("/collateral/CS-0001/share/", {"deal": deal.pk})
    assert response.status_code == 302
    share = AssetUsage.objects.get(kind=UsageKind.SHARE)
    assert (share.deal, share.user, share.version) == (deal, rep, library["fintech"].current_version)


def test_the_deal_page_lists_the_collateral_shared_on_it(rep, library):
    deal = DealFactory(owner=rep, name="Acme renewal")
    client = logged_in(rep)
    page = client.get(deal.get_absolute_url()).content.decode()
    assert "Nothing shared on this deal yet" in page
    client.post("/collateral/CS-0001/share/", {"deal": deal.pk})
    page = client.get(deal.get_absolute_url()).content.decode()
    assert library["fintech"].title in page
    assert "shared 1 time" in page


def test_sharing_to_another_teams_deal_or_a_closed_deal_is_refused(rep, other_rep, library):
    from pipeline.models import Deal, Stage

    others = DealFactory(owner=other_rep)
    closed = DealFactory(owner=rep)
    Deal.objects.filter(pk=closed.pk).update(stage=Stage.CLOSED_WON)
    client = logged_in(rep)
    for deal in [others, closed]:
        response = client.post("/collateral/CS-0001/share/", {"deal": deal.pk})
        assert response.status_code == 400
        assert "Choose one of your open deals" in response.content.decode()
    assert not AssetUsage.objects.filter(kind=UsageKind.SHARE).exists()


def test_share_needs_post(rep, library):
    assert logged_in(rep).get("/collateral/CS-0001/share/").status_code == 405


def test_stale_assets_are_flagged_to_reps_and_listed_for_admins(rep, admin, library):
    yesterday = timezone.localdate() - timedelta(days=1)
    asset_update(asset=library["retail"], by=admin, review_by=yesterday)
    asset_update(asset=library["fintech"], by=admin, review_by=yesterday + timedelta(days=30))
    assert "Review overdue" in logged_in(rep).get("/collateral/", {"q": "retail"}).content.decode()
    assert "Review overdue since" in logged_in(rep).get("/collateral/OP-0001/").content.decode()
    assert "Review overdue" not in logged_in(rep).get("/collateral/", {"q": "fintech"}).content.decode()

    response = logged_in(admin).get("/collateral/stale/")
    assert [a.asset_id for a in response.context["assets"]] == ["OP-0001"]
    assert logged_in(rep).get("/collateral/stale/").status_code == 403


def test_every_role_has_collateral_in_the_navigation(rep, manager, admin, marketing):
    for user in [rep, manager, admin, marketing]:
        html = logged_in(user).get("/").content.decode()
        assert 'href="/collateral/"' in html
