"""The API root: bounded query parameters and the per-person, per-key rate limit (issue 11, item 3)."""

import pytest

from accounts.models import INTEGRATION_SCOPES, Scope
from accounts.services import api_key_create
from enablement_portal.api_input import MAX_QUERY_REPEATS
from enablement_portal.ratelimit import rate_limit
from tests.leads.helpers import assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_of():
    made = iter(range(100))

    def bearer(user=None) -> dict[str, str]:
        # A person's key holds every scope a person can; a system's key reads collateral only.
        scopes = set(Scope) - INTEGRATION_SCOPES if user else {Scope.COLLATERAL_READ}
        _, token = api_key_create(name=f"test key {next(made)}", scopes=scopes, acts_for=user)
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    return bearer


@pytest.mark.parametrize(
    ("path", "parameter"),
    [("/api/v1/collateral", "audience"), ("/api/v1/deals", "owner"), ("/api/v1/deals", "nonsense")],
)
def test_a_parameter_given_more_than_ten_times_is_422_naming_it(client, key_of, manager, path, parameter):
    query = "&".join(f"{parameter}=v{n}" for n in range(MAX_QUERY_REPEATS + 1))
    body = assert_problem(client.get(f"{path}?{query}", **key_of(manager)), 422)
    assert body["errors"] == [{"path": parameter, "message": "Given 11 times; at most 10."}]
    assert client.get(f"{path}?{parameter}=v1&{parameter}=v2", **key_of(manager)).status_code == 200


def test_a_rate_limited_caller_gets_429_with_retry_after(client, key_of, manager, settings):
    settings.API_RATE_LIMIT_REQUESTS, settings.API_RATE_LIMIT_WINDOW_SECONDS = 2, 3600
    headers = key_of(manager)
    assert [client.get("/api/v1/deals", **headers).status_code for _ in range(2)] == [200, 200]
    response = client.get("/api/v1/telemetry/win_rate", **headers)
    body = assert_problem(response, 429)
    assert 1 <= int(response["Retry-After"]) <= settings.API_RATE_LIMIT_WINDOW_SECONDS
    assert "At most 2 requests per 3600 s" in body["detail"]


def test_the_rate_limit_is_per_person_and_per_key(client, key_of, manager, rep, settings):
    # A window of an hour, so that no window ends between the requests of the test.
    settings.API_RATE_LIMIT_REQUESTS, settings.API_RATE_LIMIT_WINDOW_SECONDS = 1, 3600
    system_key, managers_key = key_of(), key_of(manager)
    assert client.get("/api/v1/collateral", **system_key).status_code == 200
    assert client.get("/api/v1/collateral", **system_key).status_code == 429
    assert client.get("/api/v1/collateral", **managers_key).status_code == 200
    client.force_login(rep)
    assert client.get("/api/v1/deals").status_code == 200
    assert client.get("/api/v1/collateral").status_code == 429


def test_lead_intake_keeps_its_own_per_integration_limit(client, settings):
    from tests.leads.factories import IntegrationFactory

    settings.API_RATE_LIMIT_REQUESTS = 1
    integration = IntegrationFactory(rate_limit_requests=3, rate_limit_window_seconds=3600)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {integration.token}"}
    statuses = [client.get("/api/v1/leads/rejections", **headers).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_the_limit_counts_in_fixed_windows():
    start = 1_000_000_000.0
    assert rate_limit("k", 2, 10, now=start) is None
    assert rate_limit("k", 2, 10, now=start + 1) is None
    refused = rate_limit("k", 2, 10, now=start + 2)
    assert refused.status == 429 and refused.headers == {"Retry-After": "8"}
    assert rate_limit("other", 2, 10, now=start + 2) is None
    assert rate_limit("k", 2, 10, now=start + 10) is None
