import pytest

from tests.leads.factories import IntegrationFactory


@pytest.fixture
def integration(db):
    return IntegrationFactory(name="HubSpot")


@pytest.fixture
def api(client, integration):
    """The test client, sending as `integration`."""
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {integration.token}"
    return client
