"""The navigation's search: grouped by kind, only what the person may see, limited with a link to the rest."""

import pytest
from django.urls import reverse

from accounts.search import SEARCH_HITS
from tests.collateral.factories import published_asset
from tests.leads.factories import LeadFactory
from tests.pipeline.factories import AccountFactory, DealFactory
from tests.training.factories import ModuleFactory

SEARCH = reverse("accounts:search")


def groups(client, user, query: str) -> dict:
    client.force_login(user)
    response = client.get(SEARCH, {"q": query})
    assert response.status_code == 200
    return {group.key: group for group in response.context["groups"]}


def hit_labels(group) -> list[str]:
    return [hit.label for hit in group.hits]


@pytest.fixture
def findable(rep, teammate, other_rep, admin):
    mine = DealFactory(owner=rep, name="Zephyr renewal", account=AccountFactory(name="Zephyr Mine"))
    DealFactory(owner=teammate, name="Zephyr teammate", account=AccountFactory(name="Zephyr Team"))
    DealFactory(owner=other_rep, name="Zephyr elsewhere", account=AccountFactory(name="Zephyr Other"))
    lead = LeadFactory(owner=rep, team=rep.team, company_name="Zephyr Labs")
    LeadFactory(owner=other_rep, team=other_rep.team, company_name="Zephyr Foreign")
    asset = published_asset(by=admin, title="Zephyr case study")
    draft_only = published_asset(by=admin, title="Zephyr archived deck")
    type(draft_only).objects.filter(pk=draft_only.pk).update(current_version=None)
    module = ModuleFactory(title="Selling to Zephyr-like accounts")
    return {"deal": mine, "lead": lead, "asset": asset, "module": module}


def test_a_rep_finds_only_what_they_may_see(client, rep, findable):
    found = groups(client, rep, "zephyr")
    assert hit_labels(found["deals"]) == ["Zephyr renewal"]
    assert hit_labels(found["accounts"]) == ["Zephyr Mine"]
    assert [hit.url for hit in found["leads"].hits] == [findable["lead"].get_absolute_url()]
    assert hit_labels(found["assets"]) == ["Zephyr case study"]
    assert hit_labels(found["modules"]) == ["Selling to Zephyr-like accounts"]
    page = client.get(SEARCH, {"q": "zephyr"}).content.decode()
    for hidden in ("Zephyr teammate", "Zephyr elsewhere", "Zephyr Foreign", "Zephyr Other", "archived deck"):
        assert hidden not in page


def test_a_manager_finds_the_team_and_not_another(client, manager, findable):
    found = groups(client, manager, "zephyr")
    assert sorted(hit_labels(found["deals"])) == ["Zephyr renewal", "Zephyr teammate"]
    assert "Zephyr Other" not in hit_labels(found["accounts"])


def test_marketing_finds_no_deals_or_leads(client, marketing, findable):
    found = groups(client, marketing, "zephyr")
    assert set(found) == {"assets", "modules"}


def test_each_group_is_limited_with_a_link_to_the_full_list(client, rep):
    for index in range(SEARCH_HITS + 3):
        DealFactory(owner=rep, name=f"Quasar {index}")
    found = groups(client, rep, "quasar")
    assert (len(found["deals"].hits), found["deals"].total) == (SEARCH_HITS, SEARCH_HITS + 3)
    assert found["deals"].more_url == "/pipeline/deals/?q=quasar"
    assert "all 8" in client.get(SEARCH, {"q": "quasar"}).content.decode()


def test_a_too_long_query_is_refused_and_says_why(client, rep):
    client.force_login(rep)
    response = client.get(SEARCH, {"q": "x" * 101})
    assert response.status_code == 400
    assert "at most 100 characters" in response.content.decode()
    assert response.context["groups"] == []


@pytest.mark.parametrize("size", [5, 50])
def test_search_makes_the_same_queries_however_many_match(client, rep, size, django_assert_max_num_queries):
    for index in range(size):
        DealFactory(owner=rep, name=f"Nebula {index}")
        LeadFactory(owner=rep, team=rep.team, company_name=f"Nebula {index}")
    client.force_login(rep)
    with django_assert_max_num_queries(16):
        assert client.get(SEARCH, {"q": "nebula"}).status_code == 200
