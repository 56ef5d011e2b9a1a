import pytest
from django.core.cache import cache

from tests.leads.factories import IntegrationFactory


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    # Rate-limit counters live in the cache and outlive a test's database transaction.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def integration(db):
    return IntegrationFactory(name="HubSpot")


@pytest.fixture
def api(client, integration):
    """The test client, sending as `integration`."""
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {integration.token}"
    return client
