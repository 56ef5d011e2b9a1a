import json
import time

import pytest

from leads.guards import MAX_BODY_BYTES, sign
from leads.models import Lead
from leads.services import integration_issue_key, integration_revoke_key, integration_rotate_signing_secret
from tests.leads.factories import PLAYBOOK_LEAD, lead_payload
from tests.leads.helpers import BATCH, LEADS, assert_problem, send

pytestmark = pytest.mark.django_db

URI = f"http://testserver{LEADS}"


def test_it_refuses_a_request_without_a_key(client):
    body = assert_problem(send(client, PLAYBOOK_LEAD), 401)
    assert "API key is required" in body["detail"]
    assert not Lead.objects.exists()


def test_it_refuses_a_wrong_key(client, integration):
    assert_problem(send(client, PLAYBOOK_LEAD, HTTP_AUTHORIZATION=f"Bearer {integration.token}x"), 401)


def test_a_revoked_key_is_forbidden(api, integration):
    integration_revoke_key(integration=integration)
    body = assert_problem(send(api, PLAYBOOK_LEAD), 403)
    assert "revoked" in body["detail"]
    assert not Lead.objects.exists()


def test_a_new_key_replaces_the_old_one(api, client, integration):
    token = integration_issue_key(integration=integration)
    assert_problem(send(api, PLAYBOOK_LEAD), 403)
    assert send(client, PLAYBOOK_LEAD, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 201


def test_a_key_that_is_no_integrations_is_forbidden(client, api_token):
    body = assert_problem(send(client, PLAYBOOK_LEAD, HTTP_AUTHORIZATION=f"Bearer {api_token}"), 403)
    assert "integration" in body["detail"]


def test_a_body_over_1_mib_is_413_before_it_is_read(api):
    big = json.dumps({**PLAYBOOK_LEAD, "padding": "x" * MAX_BODY_BYTES})
    body = assert_problem(send(api, big), 413)
    assert "1 MiB" in body["detail"]
    assert not Lead.objects.exists()


def test_a_body_of_exactly_the_limit_is_read(api):
    text = json.dumps({**PLAYBOOK_LEAD, "padding": ""})
    text = text[:-1] + "x" * 0 + "}"
    padded = text.replace('"padding": ""', '"padding": "' + "x" * (MAX_BODY_BYTES - len(text)) + '"')
    assert len(padded.encode()) == MAX_BODY_BYTES
    assert send(api, padded).status_code == 201


def test_over_the_rate_limit_it_answers_429_with_retry_after(api, integration):
    integration.rate_limit_requests, integration.rate_limit_window_seconds = 3, 60
    integration.save()
    statuses = [send(api, lead_payload(n)).status_code for n in range(4)]
    assert statuses == [201, 201, 201, 429]
    response = send(api, lead_payload(9))
    assert_problem(response, 429)
    assert 1 <= int(response["Retry-After"]) <= 60
    assert Lead.objects.count() == 3


def test_the_rate_limit_is_per_integration(api, client, integration):
    from tests.leads.factories import IntegrationFactory

    integration.rate_limit_requests, integration.rate_limit_window_seconds = 1, 60
    integration.save()
    other = IntegrationFactory(name="Marketo")
    send(api, lead_payload(1))
    assert send(api, lead_payload(2)).status_code == 429
    assert send(client, lead_payload(2), HTTP_AUTHORIZATION=f"Bearer {other.token}").status_code == 201


def test_the_rate_limit_counts_in_windows():
    from leads.guards import rate_limit_refusal
    from tests.leads.factories import IntegrationFactory

    integration = IntegrationFactory(rate_limit_requests=2, rate_limit_window_seconds=10)
    start = 1_000_000_000.0
    assert rate_limit_refusal(integration, now=start) is None
    assert rate_limit_refusal(integration, now=start + 1) is None
    refused = rate_limit_refusal(integration, now=start + 2)
    assert refused.status == 429 and refused.headers == {"Retry-After": "8"}
    assert rate_limit_refusal(integration, now=start + 10) is None


# ---------------------------------------------------------------------------
# Signed requests (HubSpot v3 style)
# ---------------------------------------------------------------------------
@pytest.fixture
def secret(integration) -> str:
    return integration_rotate_signing_secret(integration=integration)


def signed(secret: str, body: bytes, *, uri: str = URI, ts_ms: int | None = None, method: str = "POST") -> dict:
    timestamp = str(ts_ms if ts_ms is not None else int(time.time() * 1000))
    signature = sign(secret=secret, method=method, uri=uri, body=body, timestamp=timestamp)
    return {"HTTP_X_SIGNATURE": signature, "HTTP_X_REQUEST_TIMESTAMP": timestamp}


def test_a_correctly_signed_request_is_accepted(api, secret):
    body = json.dumps(PLAYBOOK_LEAD).encode()
    assert send(api, body, **signed(secret, body)).status_code == 201


def test_an_unsigned_request_is_refused_when_the_integration_signs(api, secret):
    body = assert_problem(send(api, PLAYBOOK_LEAD), 401)
    assert "X-Signature" in body["detail"]
    assert not Lead.objects.exists()


def test_one_changed_byte_breaks_the_signature(api, secret):
    body = json.dumps(PLAYBOOK_LEAD).encode()
    headers = signed(secret, body)
    tampered = body.replace(b"85", b"95")
    detail = assert_problem(send(api, tampered, **headers), 401)["detail"]
    assert "does not match" in detail
    assert not Lead.objects.exists()


def test_a_signature_for_another_path_is_refused(api, secret):
    body = json.dumps({"leads": [PLAYBOOK_LEAD]}).encode()
    assert_problem(send(api, body, BATCH, **signed(secret, body, uri=URI)), 401)


def test_a_signature_made_with_another_secret_is_refused(api, secret):
    body = json.dumps(PLAYBOOK_LEAD).encode()
    assert_problem(send(api, body, **signed("not-the-secret", body)), 401)


@pytest.mark.parametrize("skew_s", [-301, 301])
def test_a_timestamp_more_than_300_s_away_is_refused(api, secret, skew_s):
    body = json.dumps(PLAYBOOK_LEAD).encode()
    headers = signed(secret, body, ts_ms=int((time.time() + skew_s) * 1000))
    assert "300 s" in assert_problem(send(api, body, **headers), 401)["detail"]


def test_a_timestamp_within_the_window_is_accepted(api, secret):
    body = json.dumps(PLAYBOOK_LEAD).encode()
    assert send(api, body, **signed(secret, body, ts_ms=int((time.time() - 290) * 1000))).status_code == 201


def test_reads_are_signed_too(api, secret):
    uri = f"{URI}/rejections"
    assert_problem(api.get(f"{LEADS}/rejections"), 401)
    assert api.get(f"{LEADS}/rejections", **signed(secret, b"", uri=uri, method="GET")).status_code == 200


def test_a_body_over_djangos_own_limit_is_still_413_not_400(api, settings):
    # Django answers 400 past DATA_UPLOAD_MAX_MEMORY_SIZE; the size check runs before anything reads the body.
    big = json.dumps({**PLAYBOOK_LEAD, "padding": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    assert_problem(send(api, big), 413)
