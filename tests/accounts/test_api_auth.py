import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import ApiKey, hash_api_key
from accounts.services import api_key_create, api_key_revoke

ME = "/api/v1/me"


def assert_problem(response, status: int, detail_contains: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= body.keys()
    assert detail_contains in body["detail"]


@pytest.mark.django_db
def test_it_refuses_a_request_without_a_key(client):
    response = client.get(ME)
    assert_problem(response, 401, "API key is required")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_it_refuses_a_wrong_key(client, api_token):
    assert_problem(client.get(ME, HTTP_AUTHORIZATION=f"Bearer {api_token}x"), 401, "not valid")


@pytest.mark.django_db
def test_it_refuses_a_header_that_is_not_bearer(client, api_token):
    assert_problem(client.get(ME, HTTP_AUTHORIZATION=f"Basic {api_token}"), 401, "must be 'Bearer <key>'")


@pytest.mark.django_db
def test_it_refuses_a_revoked_key(client):
    api_key, token = api_key_create(name="Old HubSpot", scopes=["collateral:read"])
    api_key_revoke(api_key=api_key)
    assert_problem(client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}"), 403, "revoked")


@pytest.mark.django_db
def test_a_valid_key_passes_and_is_recorded_as_used(client, api_token):
    response = client.get(ME, HTTP_AUTHORIZATION=f"Bearer {api_token}")
    assert response.status_code == 200
    assert response.json() == {
        "name": "HubSpot test",
        "prefix": api_token[:10],
        "scopes": ["collateral:read"],
        "actsFor": None,
    }
    assert ApiKey.objects.get().last_used_at is not None


@pytest.mark.django_db
def test_keys_are_stored_hashed_never_in_clear(api_token):
    row = ApiKey.objects.values().get()
    assert row["key_hash"] == hash_api_key(api_token)
    assert not any(api_token in str(value) for value in row.values())


@pytest.mark.django_db
def test_create_api_key_prints_the_key_once_and_stores_its_hash(capsys):
    call_command("create_api_key", "Marketo", "--scope", "collateral:read")
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert ApiKey.objects.get(name="Marketo").key_hash == hash_api_key(token)


@pytest.mark.django_db
def test_create_api_key_refuses_a_duplicate_name():
    from django.core.management.base import CommandError

    api_key_create(name="Marketo", scopes=["collateral:read"])
    with pytest.raises(CommandError, match="name"):
        call_command("create_api_key", "Marketo", "--scope", "collateral:read")


@pytest.mark.django_db
def test_admin_shows_a_new_key_once(client, marketing):
    client.force_login(marketing)
    response = client.post(
        reverse("admin:accounts_apikey_add"),
        {"name": "HubSpot EU", "scopes": ["collateral:read"], "acts_for": marketing.pk},
        follow=True,
    )
    assert response.status_code == 200
    api_key = ApiKey.objects.get(name="HubSpot EU")
    html = response.content.decode()
    assert "this page is the only time the key is shown" in html
    token = re.search(r'<code id="key-1">([^<]+)</code>', html).group(1)
    assert hash_api_key(token) == api_key.key_hash
    assert token not in client.get(reverse("admin:accounts_apikey_change", args=[api_key.pk])).content.decode()


@pytest.mark.django_db
def test_admin_revokes_keys(client, marketing, api_token):
    client.force_login(marketing)
    api_key = ApiKey.objects.get()
    client.post(reverse("admin:accounts_apikey_changelist"), {"action": "revoke", "_selected_action": [api_key.pk]})
    api_key.refresh_from_db()
    assert api_key.is_revoked


def test_the_openapi_schema_declares_bearer_auth(client):
    schema = client.get("/api/v1/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    assert json.dumps(schema["paths"]["/api/v1/me"]["get"]["security"])


@pytest.mark.django_db
def test_the_interactive_docs_page_serves_local_assets(client):
    page = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn." not in page
