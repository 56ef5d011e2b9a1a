"""System keys and lead integration keys, told apart in the API keys list; a new system key is
shown once on its own page with a copy button and an example request."""

import re

import pytest
from django.urls import reverse

from accounts.models import ApiKey, hash_api_key
from accounts.services import api_key_create
from tests.leads.factories import IntegrationFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:accounts_apikey_changelist")


def test_a_new_system_key_is_shown_once_on_its_own_page_with_a_copy_button(client, marketing):
    client.force_login(marketing)
    response = client.post(
        reverse("admin:accounts_apikey_add"),
        {"name": "CRM sidebar", "scopes": ["collateral:read"], "acts_for": marketing.pk},
    )
    assert response.status_code == 200
    html = response.content.decode()
    token = re.search(r'<code id="key-1">([^<]+)</code>', html).group(1)
    assert hash_api_key(token) == ApiKey.objects.get(name="CRM sidebar").key_hash
    assert 'data-copy-target="key-1">Copy key</button>' in html
    assert f'Bearer {token}" http://testserver/api/v1/me' in html
    client.get(CHANGELIST)
    assert token not in client.get(CHANGELIST).content.decode()
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_the_list_tells_system_keys_from_integration_keys(client, marketing):
    api_key_create(name="Reporting", scopes=["collateral:read"])
    IntegrationFactory(name="HubSpot")
    client.force_login(marketing)
    html = client.get(CHANGELIST).content.decode()
    assert "Lead integration" in html and "System" in html
    system = client.get(CHANGELIST, {"kind": "system"}).content.decode()
    assert "Reporting" in system and "HubSpot" not in system
    integration = client.get(CHANGELIST, {"kind": "integration"}).content.decode()
    assert "HubSpot" in integration and "Reporting" not in integration
