"""The collateral API: the playbook's object in, search and detail out, admin-only writes."""

import json

import pytest
from django.test import Client

from collateral.models import Asset, AssetVersion
from collateral.services import asset_archive
from tests.collateral.factories import AssetFactory, draft_version, published_asset

pytestmark = pytest.mark.django_db


def admin_client(user) -> Client:
    """A logged-in browser session that sends Django's CSRF token, as the admin UI does."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/collateral/")
    client.defaults["HTTP_X_CSRFTOKEN"] = client.cookies["csrftoken"].value
    return client


def post(client: Client, payload: dict, path: str = "/api/v1/collateral"):
    return client.post(path, json.dumps(payload), content_type="application/json")


def put(client: Client, asset_id: str, payload: dict):
    return client.put(f"/api/v1/collateral/{asset_id}", json.dumps(payload), content_type="application/json")


def test_the_playbook_object_is_accepted_and_shown_to_reps_with_tags_and_audience(admin, rep, playbook_asset):
    response = post(admin_client(admin), playbook_asset)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["assetId"] == "CS-0042"
    assert body["version"] == "2.1.0"
    assert body["status"] == "published"
    assert body["url"] == playbook_asset["url"]
    assert set(body["tags"]) == set(playbook_asset["tags"])

    client = Client()
    client.force_login(rep)
    page = client.get("/collateral/")
    assert "How Acme Corp Increased API Performance by 300%" in page.content.decode()
    detail = client.get("/collateral/CS-0042/").content.decode()
    for text in ["competitor x", "api performance", "CTO", "VP of Engineering", "version 2.1.0"]:
        assert text in detail


def test_the_playbook_object_is_counted_in_the_facets(admin, rep, playbook_asset):
    post(admin_client(admin), playbook_asset)
    client = Client()
    client.force_login(rep)
    facets = {f.param: {o.value: o.count for o in f.options} for f in client.get("/collateral/").context["facets"]}
    assert facets["type"] == {"CaseStudy": 1}
    assert facets["industry"] == {"fintech": 1}
    assert facets["competitor"] == {"competitor_x": 1}
    assert facets["audience"] == {"CTO": 1, "VP of Engineering": 1}


def test_the_permalink_resolves_to_2_1_0_then_2_0_0_is_refused_and_2_10_0_becomes_current(admin, rep, playbook_asset):
    api = admin_client(admin)
    post(api, playbook_asset)
    client = Client()
    client.force_login(rep)
    assert client.get("/c/CS-0042/")["Location"] == "/collateral/CS-0042/v/2.1.0/"

    refused = put(api, "CS-0042", {**playbook_asset, "version": "2.0.0", "title": "Renamed"})
    assert refused.status_code == 422
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["errors"][0]["path"] == "version"
    assert "not higher than the current version 2.1.0" in refused.json()["errors"][0]["message"]
    # All or nothing: neither the new version nor the new title was stored.
    assert not AssetVersion.objects.filter(version="2.0.0").exists()
    assert Asset.objects.get(asset_id="CS-0042").title == playbook_asset["title"]

    accepted = put(api, "CS-0042", {**playbook_asset, "version": "2.10.0", "changelog": "New benchmark"})
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["version"] == "2.10.0"
    assert [v["version"] for v in accepted.json()["versions"]] == ["2.10.0", "2.1.0"]
    assert client.get("/c/CS-0042/")["Location"] == "/collateral/CS-0042/v/2.10.0/"


def test_search_for_crm_sidebars_with_an_api_key(api_token, playbook_asset, admin):
    post(admin_client(admin), playbook_asset)
    published_asset(title="Retail onboarding one-pager", type="OnePager", tags=["retail"], audiences=["CFO"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")

    assert client.get("/api/v1/collateral", {"q": "acme performance"}).json()["count"] == 1
    assert client.get("/api/v1/collateral", {"tag": ["fintech", "competitor_x"]}).json()["count"] == 1
    assert client.get("/api/v1/collateral", {"type": "OnePager"}).json()["results"][0]["title"].startswith("Retail")
    assert client.get("/api/v1/collateral", {"audience": "CTO"}).json()["count"] == 1
    assert client.get("/api/v1/collateral").json()["count"] == 2

    detail = client.get("/api/v1/collateral/CS-0042").json()
    assert detail["version"] == "2.1.0"
    assert detail["versions"][0]["version"] == "2.1.0"


def test_the_api_hides_drafts_and_archived_assets(api_token):
    draft = draft_version(AssetFactory(asset_id="WP-0001", type="Whitepaper"), "0.1.0")
    archived = asset_archive(asset=published_asset(title="Will be archived"), by=None)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")
    body = client.get("/api/v1/collateral").json()
    assert (body["count"], body["results"]) == (0, [])
    assert client.get(f"/api/v1/collateral/{draft.asset.asset_id}").status_code == 404
    assert client.get(f"/api/v1/collateral/{archived.asset_id}").status_code == 404


def test_reads_need_a_key_or_a_session(db):
    response = Client().get("/api/v1/collateral")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_writes_are_for_enablement_admins_only(rep, api_token, playbook_asset):
    assert post(Client(HTTP_AUTHORIZATION=f"Bearer {api_token}"), playbook_asset).status_code == 403
    assert post(admin_client(rep), playbook_asset).status_code == 403
    assert not Asset.objects.exists()


def test_a_session_write_without_the_csrf_token_is_refused(admin, playbook_asset):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    assert post(client, playbook_asset).status_code in {401, 403}
    assert not Asset.objects.exists()


def test_invalid_payloads_list_every_failing_field(admin, playbook_asset):
    bad = {**playbook_asset, "version": "2.1", "type": "Poster", "url": "ftp://x"}
    response = post(admin_client(admin), bad)
    assert response.status_code == 422
    paths = {error["path"] for error in response.json()["errors"]}
    assert {"version", "type", "url"} <= paths
    assert not Asset.objects.exists()


def test_creating_an_existing_asset_id_is_a_conflict(admin, playbook_asset):
    api = admin_client(admin)
    post(api, playbook_asset)
    response = post(api, {**playbook_asset, "title": "Other"})
    assert response.status_code == 409
    assert Asset.objects.get().title == playbook_asset["title"]


def test_an_asset_id_is_generated_from_the_type(admin, playbook_asset):
    api = admin_client(admin)
    payload = {k: v for k, v in playbook_asset.items() if k != "assetId"}
    assert post(api, payload).json()["assetId"] == "CS-0001"
    assert post(api, {**payload, "type": "Battlecard"}).json()["assetId"] == "BC-0001"
    assert post(api, payload).json()["assetId"] == "CS-0002"


def test_api_changes_are_revisions_with_user_and_comment(admin, playbook_asset):
    from reversion.models import Version

    post(admin_client(admin), playbook_asset)
    asset = Asset.objects.get()
    revision = Version.objects.get_for_object(asset).first().revision
    assert revision.user == admin
    assert revision.comment.startswith("API: created")


def test_api_search_keeps_its_query_count_flat(api_token, django_assert_max_num_queries):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")
    published_asset(title="Fintech story", tags=["fintech"], audiences=["CTO"])
    # Key, its last use, the lexicon, count, page, two prefetches; PostgreSQL ranks the page's ids first.
    with django_assert_max_num_queries(8) as few:
        assert client.get("/api/v1/collateral", {"q": "fintech"}).json()["count"] == 1
    for n in range(30):
        published_asset(title=f"Fintech story {n}", tags=["fintech", f"tag{n}"], audiences=["CTO"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/v1/collateral", {"q": "fintech"}).json()["count"] == 31


def test_an_asset_with_a_lone_surrogate_in_its_title_is_400_and_saves_nothing(admin, playbook_asset):
    response = post(admin_client(admin), {**playbook_asset, "title": "Case \ud800"})
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert not Asset.objects.exists()


def test_ten_tags_are_one_query_shape_and_100_are_refused_before_any_query(
    client, api_token, django_assert_max_num_queries
):
    tags = [f"t{n}" for n in range(10)]
    both = published_asset(tags=tags)
    published_asset(tags=tags[:9])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token}"}
    # key, its last use, count, page, two prefetches: the same with 1 tag as with 10.
    with django_assert_max_num_queries(6) as queries:
        body = client.get("/api/v1/collateral", {"tag": tags}, **headers).json()
    assert [r["assetId"] for r in body["results"]] == [both.asset_id] and body["count"] == 1
    # The tags are one grouped subquery over the tag links, not one join per tag.
    (count,) = [q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"] and "taggedasset" in q["sql"]]
    assert count.count("collateral_taggedasset") == 1
    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/collateral", {"tag": [f"t{n}" for n in range(100)]}, **headers)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"path": "tag", "message": "Given 100 times; at most 10."}]
