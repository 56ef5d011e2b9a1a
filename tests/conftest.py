"""Shared fixtures: personas, API keys, and the rule for tests that need real services.

Personas: `rep` and `teammate` on `manager`'s team, `other_manager`
with `other_rep` on another team, `admin` (enablement admin) and `marketing`.
"""

import importlib
import os
import socket
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.core.cache import cache

from accounts.models import Role
from accounts.services import api_key_create
from tests.accounts.factories import TeamFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# The team's shared folder sits beside the repository (also in CI); tests may read its data sets.
# CRM_SAMPLE_DIR names it elsewhere (a git worktree one level deeper than the repository).
CRM_SAMPLE = Path(
    os.environ.get("CRM_SAMPLE_DIR")
    or Path(__file__).resolve().parent.parent.parent / "shared" / "datasets" / "crm-sample"
)


def crm_sample(name: str) -> Path:
    """A file of the crm-sample export; skipped when absent, a failure under CI=true."""
    path = CRM_SAMPLE / name
    require(path.exists(), f"the crm-sample data set is not at {CRM_SAMPLE}")
    return path


def require(condition: bool, reason: str) -> None:
    """Skip a test whose service or browser is missing; under CI=true that is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 0), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        # Not a missing service: the SQLite pass runs without one by design; CI's second pass sets it.
        pytest.skip("REDIS_URL is not set: this test runs in the PostgreSQL + Redis pass")
    require(reachable(url), f"Redis at {url} is not reachable")
    return url


# The data migrations that seed rows (roles' permissions, the playbook, criteria): (module, function).
SEED_MIGRATIONS = [
    ("accounts.migrations.0002_role_groups", "grant"),
    ("pipeline.migrations.0003_seed_playbook_and_roles", "seed"),
    ("pipeline.migrations.0004_product", "seed"),
    ("collateral.migrations.0003_role_permissions", "grant"),
    ("collateral.migrations.0006_synonym_permissions", "grant"),
    ("leads.migrations.0002_seed_criteria_and_roles", "seed"),
    ("training.migrations.0002_role_permissions", "grant"),
    ("training.migrations.0005_learning_permissions", "grant"),
    ("telemetry.migrations.0002_role_permissions", "grant"),
]


def restore_seeds() -> None:
    """Run the seeding data migrations again (each is idempotent) on the real app registry."""
    from django.apps import apps

    for module, function in SEED_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture
def transactional_db(transactional_db) -> None:
    """pytest-django's transactional_db, with the migrations' seed rows in place.

    A transactional test (live server, threads) ends with a flush that empties every table,
    including the rows data migrations seeded; the next transactional test would start
    without them. (Django runs these tests after all others, so only they are affected.)
    """
    restore_seeds()


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    # Rate-limit counters live in the cache and outlive a test's database transaction; ids repeat.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files (collateral, demo data) go to a temporary directory, never the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def team(db):
    return TeamFactory(name="Central · North")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="West · South")


@pytest.fixture
def manager(team):
    return UserFactory(username="maria.manager", role=Role.MANAGER, team=team)


@pytest.fixture
def rep(team, manager):
    return UserFactory(username="alice.rep", first_name="Alice", role=Role.REP, team=team, manager=manager)


@pytest.fixture
def teammate(team, manager):
    return UserFactory(username="bob.rep", first_name="Bob", role=Role.REP, team=team, manager=manager)


@pytest.fixture
def other_manager(other_team):
    return UserFactory(username="oscar.manager", role=Role.MANAGER, team=other_team)


@pytest.fixture
def other_rep(other_team, other_manager):
    return UserFactory(username="charlie.rep", role=Role.REP, team=other_team, manager=other_manager)


@pytest.fixture
def admin(db):
    return UserFactory(username="erin.admin", role=Role.ENABLEMENT_ADMIN, team=None)


@pytest.fixture
def marketing(db):
    return UserFactory(username="morgan.marketing", role=Role.MARKETING_OPS, team=None)


@pytest.fixture
def api_token(db) -> str:
    _, token = api_key_create(name="HubSpot test", scopes=["collateral:read"])
    return token
