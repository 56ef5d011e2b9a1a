"""What search understands: chips from type, audience and tag words, typo correction with
"search instead for", synonyms from admin, the same in the API. Both databases."""

import pytest
from django.test import Client

from collateral.models import SearchSynonym
from tests.collateral.factories import published_asset

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(admin):
    return {
        "hospital": published_asset(
            by=admin,
            asset_id="CS-0001",
            title="Mercy Hospital secures patient data",
            description="A hospital network passed its security audit.",
            tags=["healthcare", "security_compliance"],
            audiences=["CISO"],
        ),
        "privacy": published_asset(
            by=admin,
            asset_id="WP-0001",
            type="Whitepaper",
            title="Healthcare data privacy",
            description="Encryption and consent.",
            tags=["healthcare"],
            audiences=["CTO"],
        ),
        "retail": published_asset(
            by=admin,
            asset_id="BC-0001",
            type="Battlecard",
            title="Winning retail deals against Northwind",
            description="Objection handling for the CFO.",
            tags=["retail", "competitor_northwind"],
            audiences=["CFO"],
        ),
    }


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ids(response) -> list[str]:
    return [asset.asset_id for asset in response.context["page"]]


def chips(response) -> dict[str, str]:
    return {chip.label: url for chip, url in response.context["chips"]}


def test_type_audience_and_tag_words_become_chips(rep, library):
    response = logged_in(rep).get("/collateral/", {"q": "northwind battlecards for the CFO in retail"})
    assert set(chips(response)) == {"Battlecard", "CFO", "competitor northwind", "retail"}
    assert ids(response)[0] == "BC-0001"
    html = response.content.decode()
    assert 'aria-label="Remove Battlecard"' in html and "Clear all" in html


def test_removing_a_chip_searches_again_without_its_words(rep, library):
    client = logged_in(rep)
    response = client.get("/collateral/", {"q": "healthcare security case study"})
    assert ids(response)[0] == "CS-0001"
    removed = client.get(chips(response)["Case study"])
    assert removed.context["filters"].q == "healthcare security"
    assert "Case study" not in chips(removed)
    assert set(ids(removed)) >= {"CS-0001", "WP-0001"}
    cleared = client.get(response.context["clear_url"])
    assert cleared.context["filters"].q == "security" and cleared.context["chips"] == []


def test_a_chosen_facet_is_a_chip_and_removing_it_drops_the_filter(rep, library):
    client = logged_in(rep)
    response = client.get("/collateral/", {"q": "data", "industry": "healthcare"})
    assert "healthcare" in chips(response)
    without = client.get(chips(response)["healthcare"])
    assert without.context["filters"].tags == {} and without.context["filters"].q == "data"


@pytest.mark.parametrize("typo", ["helthcare", "hospitl", "secruity"])
def test_a_typo_is_corrected_and_search_instead_gives_the_literal_words(rep, library, typo):
    client = logged_in(rep)
    response = client.get("/collateral/", {"q": f"{typo} "})
    understood = response.context["understood"]
    assert understood.corrected and understood.corrected != f"{typo}"
    assert ids(response), understood
    html = response.content.decode()
    assert "Showing results for" in html and "Search instead for" in html
    literal = client.get(response.context["literal_url"])
    assert literal.context["filters"].literal and literal.context["understood"].corrected == ""
    assert ids(literal) == []


def test_the_words_the_search_matched_are_highlighted(rep, library):
    html = logged_in(rep).get("/collateral/", {"q": "hospitals"}).content.decode()
    assert "Mercy <mark>Hospital</mark> secures patient data" in html
    assert "A <mark>hospital</mark> network" in html


def test_a_synonym_added_in_admin_applies_to_the_next_search(rep, admin, library):
    client = logged_in(rep)
    assert ids(client.get("/collateral/", {"q": "hipaa"})) == []
    admin_client = logged_in(admin)
    response = admin_client.post(
        "/admin/collateral/searchsynonym/add/", {"term": "HIPAA", "means": "healthcare security compliance"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert SearchSynonym.objects.get().means == "healthcare security compliance"
    assert ids(client.get("/collateral/", {"q": "hipaa"}))[0] == "CS-0001"
    admin_client.post(f"/admin/collateral/searchsynonym/{SearchSynonym.objects.get().pk}/delete/", {"post": "yes"})
    assert ids(client.get("/collateral/", {"q": "hipaa"})) == []


def test_a_synonym_without_words_is_refused_with_its_field(admin):
    response = logged_in(admin).post("/admin/collateral/searchsynonym/add/", {"term": "ROI", "means": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert not SearchSynonym.objects.exists()


def test_the_api_reads_the_query_the_same_way(api_token, library):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")
    body = client.get("/api/v1/collateral", {"q": "helthcare security case study"}).json()
    assert body["searchedFor"] == "healthcare security case study"
    assert body["results"][0]["assetId"] == "CS-0001"
    assert {chip["label"] for chip in body["chips"]} == {"Case study", "healthcare"}
    literal = client.get("/api/v1/collateral", {"q": "helthcare", "literal": True}).json()
    assert literal["searchedFor"] is None and literal["count"] == 0
    # Nothing with the filter: the nearest results without it.
    empty = client.get("/api/v1/collateral", {"q": "northwind", "type": "Whitepaper"}).json()
    assert empty["count"] == 0
    assert [chip["param"] for chip in empty["nearest"]["removedFilters"]] == ["type"]
    assert [r["assetId"] for r in empty["nearest"]["results"]] == ["BC-0001"]
