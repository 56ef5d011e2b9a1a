"""Bad input gets a 4xx, never a 500: on SQLite and on PostgreSQL (issue 11, item 7)."""

import json

import pytest

from accounts.services import api_key_create
from tests.collateral.factories import published_asset
from tests.leads.factories import IntegrationFactory, lead_payload

pytestmark = pytest.mark.django_db

NUL = "%00"


@pytest.fixture
def person_key(manager) -> str:
    _, token = api_key_create(name="manager's key", created_by=manager)
    return f"Bearer {token}"


@pytest.fixture
def integration_key(db) -> str:
    return f"Bearer {IntegrationFactory(name='Probe', rate_limit_requests=10_000).token}"


@pytest.fixture
def asset(admin):
    return published_asset()


API_GETS = [
    f"/api/v1/deals?owner={NUL}",
    f"/api/v1/deals?product=a{NUL}b",
    "/api/v1/deals?close_month=0000-01",
    "/api/v1/deals?limit=99999999999999999999999",
    f"/api/v1/collateral?tag={NUL}",
    f"/api/v1/collateral?audience={NUL}",
    f"/api/v1/collateral/CS{NUL}1",
    "/api/v1/collateral?offset=99999999999999999999999",
    "/api/v1/collateral?limit=99999999999999999999999",
    f"/api/v1/collateral?q={'x' * 5000}",
    "/api/v1/collateral?" + "&".join(f"tag=t{n}" for n in range(100)),
    "/api/v1/collateral?" + "&".join(f"audience=a{n}" for n in range(100)),
    f"/api/v1/leads/L{NUL}1",
    "/api/v1/leads/rejections?since=0059-06-19T18:24:49%2B20:38",
    "/api/v1/leads/rejections?since=0001-01-01T00:00:00%2B01:00",
    "/api/v1/leads/rejections?since=9999-12-31T23:59:59-01:00",
    "/api/v1/leads/rejections?cursor=99999999999999999999999",
]


@pytest.mark.parametrize("path", API_GETS)
def test_a_bad_api_query_is_a_client_error(client, path, person_key, integration_key):
    key = integration_key if path.startswith("/api/v1/leads") else person_key
    response = client.get(path, HTTP_AUTHORIZATION=key)
    assert 400 <= response.status_code < 500, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"


PAGES = [
    f"/collateral/?audience={NUL}",
    f"/collateral/?q=a{NUL}",
    "/collateral/?page=99999999999999999999999",
    f"/collateral/CS{NUL}1/",
    f"/collateral/{{asset}}/v/1{NUL}/",
    f"/c/CS{NUL}1/download/",
    f"/admin/pipeline/deal/?stage={NUL}",
    "/admin/leads/lead/?received_at__year=99999999999999999999",
    "/admin/leads/lead/?q=" + "+".join(f"w{n}" for n in range(2000)),
]


@pytest.mark.parametrize("path", PAGES)
def test_a_bad_page_query_is_a_client_error(client, path, admin, asset):
    client.force_login(admin)
    response = client.get(path.replace("{asset}", asset.asset_id))
    assert response.status_code < 500, response.content[:300]


def deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    "body",
    [
        deep_json(100_000),
        json.dumps({**lead_payload(1), "source": "\ud800"}),
        json.dumps({**lead_payload(1), "contactInfo": {**lead_payload(1)["contactInfo"], "firstName": "\udfff"}}),
    ],
)
def test_a_bad_lead_body_is_a_client_error(client, body, integration_key):
    response = client.post("/api/v1/leads", body, content_type="application/json", HTTP_AUTHORIZATION=integration_key)
    assert 400 <= response.status_code < 500, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
