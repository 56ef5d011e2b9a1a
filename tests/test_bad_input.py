"""Bad input gets a 4xx with a clear answer, never a 500, on SQLite and on PostgreSQL (issue 11, item 7).

Every input below was a 500 on one of the two databases (most NUL cases only on PostgreSQL,
which cannot hold a NUL in text; SQLite just found nothing).
"""

import json

import pytest

from accounts.models import INTEGRATION_SCOPES, Scope
from accounts.services import api_key_create
from leads.models import Lead, LeadRejection
from tests.collateral.factories import published_asset
from tests.leads.factories import IntegrationFactory, lead_payload
from tests.leads.helpers import assert_problem

pytestmark = pytest.mark.django_db

NUL = "%00"
HUGE = "99999999999999999999999"


@pytest.fixture
def person_key(manager) -> str:
    _, token = api_key_create(name="manager's key", scopes=set(Scope) - INTEGRATION_SCOPES, acts_for=manager)
    return f"Bearer {token}"


@pytest.fixture
def integration_key(db) -> str:
    return f"Bearer {IntegrationFactory(name='Probe', rate_limit_requests=10_000).token}"


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/deals?owner={NUL}",
        f"/api/v1/deals?product=a{NUL}b",
        "/api/v1/deals?close_month=0000-01",
        "/api/v1/deals?close_month=9999-12",
        f"/api/v1/deals?limit={HUGE}",
        f"/api/v1/deals?team={HUGE}",
        f"/api/v1/collateral?tag={NUL}",
        f"/api/v1/collateral?audience={NUL}",
        f"/api/v1/collateral/CS{NUL}1",
        f"/api/v1/collateral?offset={HUGE}",
        "/api/v1/collateral?offset=10001",
        f"/api/v1/collateral?limit={HUGE}",
        f"/api/v1/collateral?q={'x' * 5000}",
        "/api/v1/collateral?" + "&".join(f"tag=t{n}" for n in range(100)),
        "/api/v1/collateral?" + "&".join(f"audience=a{n}" for n in range(100)),
        f"/api/v1/telemetry/win_rate?as_of={NUL}",
        f"/api/v1/leads/L{NUL}1",
        "/api/v1/leads/rejections?since=0059-06-19T18:24:49%2B20:38",
        "/api/v1/leads/rejections?since=0001-01-01T00:00:00%2B01:00",
        "/api/v1/leads/rejections?since=9999-12-31T23:59:59-01:00",
        f"/api/v1/leads/rejections?cursor={HUGE}",
    ],
)
def test_a_bad_api_query_is_a_problem(client, path, person_key, integration_key):
    key = integration_key if path.startswith("/api/v1/leads") else person_key
    response = client.get(path, HTTP_AUTHORIZATION=key)
    assert response.status_code in {400, 422}, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"


def test_a_nul_in_the_query_is_400_naming_the_parameter(client, person_key):
    body = assert_problem(client.get(f"/api/v1/deals?owner=x{NUL}", HTTP_AUTHORIZATION=person_key), 400)
    assert "'owner' holds a NUL character" in body["detail"]


@pytest.mark.parametrize(
    "path",
    [
        f"/collateral/?audience={NUL}",
        f"/collateral/?q=a{NUL}",
        f"/collateral/CS{NUL}1/",
        f"/collateral/{{asset}}/v/1{NUL}/",
        f"/c/CS{NUL}1/download/",
        f"/pipeline/?owner={NUL}",
        f"/admin/pipeline/deal/?stage={NUL}",
        f"/admin/leads/lead/?received_at__year={HUGE}",
        "/admin/leads/lead/?q=" + "+".join(f"w{n}" for n in range(2000)),
    ],
)
def test_a_bad_page_query_is_an_html_400_page(client, path, admin, asset):
    client.force_login(admin)
    response = client.get(path.replace("{asset}", asset.asset_id))
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("text/html")
    assert "This request cannot be answered" in response.content.decode()


def test_the_pages_still_answer_good_queries(client, admin, asset):
    client.force_login(admin)
    assert client.get(f"/collateral/?page={HUGE}").status_code == 200
    assert client.get("/admin/leads/lead/?received_at__year=2026&q=acme+corp").status_code == 200
    assert client.get(f"/collateral/{asset.asset_id}/").status_code == 200


@pytest.fixture
def asset(admin):
    return published_asset()


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("path", ["/api/v1/leads", "/api/v1/leads/batch"])
def test_json_nested_100_000_deep_is_400(client, integration_key, path):
    response = client.post(path, nested(100_000), content_type="application/json", HTTP_AUTHORIZATION=integration_key)
    assert "nested too deep" in assert_problem(response, 400)["detail"]


@pytest.mark.parametrize(
    "change",
    [
        {"source": "\ud800"},
        {"contactInfo": {**lead_payload(1)["contactInfo"], "firstName": "Ann\udfff"}},
        {"leadId": "L-\ud800"},
        {"qualificationCriteriaMet": ["\x00"]},
    ],
)
def test_a_lead_with_a_lone_surrogate_or_nul_is_a_recorded_422(client, integration_key, change):
    body = json.dumps({**lead_payload(1), **change})
    response = client.post("/api/v1/leads", body, content_type="application/json", HTTP_AUTHORIZATION=integration_key)
    problem = assert_problem(response, 422)
    assert any("lone surrogates" in error["message"] for error in problem["errors"])
    assert not Lead.objects.exists()
    assert LeadRejection.objects.count() == 1
