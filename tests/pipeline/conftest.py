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


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process for this test, also in the pass that has a Redis broker."""
    from enablement_portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def logged_in(client):
    """The test client signed in as `user` (one client: signing in again switches the person)."""

    def log_in(user):
        client.force_login(user)
        return client

    return log_in
