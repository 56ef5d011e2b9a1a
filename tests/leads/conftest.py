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


@pytest.fixture
def seeded(transactional_db):
    """The rows the leads migration seeds: a transactional test's flush removes them."""
    from leads.models import QualificationCriterion, QualificationRule
    from tests.leads.factories import PLAYBOOK_LEAD

    for code in PLAYBOOK_LEAD["qualificationCriteriaMet"]:
        QualificationCriterion.objects.get_or_create(code=code, defaults={"label": code})
    QualificationRule.objects.get_or_create(name="Baseline MQL", defaults={"min_engagement_score": 40})
