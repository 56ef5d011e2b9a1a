import pytest

from tests.pipeline.factories import AccountFactory, DealFactory


@pytest.fixture
def account(db):
    return AccountFactory(name="Acme Corporation")


@pytest.fixture
def make_deal(account):
    def make(owner, **kwargs):
        return DealFactory(owner=owner, account=account, **kwargs)

    return make
