"""The production build: static files collected with DEBUG off, and the production smoke
(.ci/production_smoke.py: gunicorn on PostgreSQL + Redis) in the services pass."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import reachable, require

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"
SETTINGS_ENV_VARS = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "STATIC_ROOT"}


def production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV_VARS}
    env.update(DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="portal.example.com", **extra)
    return env


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> Path:
    """STATIC_ROOT after `collectstatic` with the production settings (the manifest storage)."""
    static_root = tmp_path_factory.mktemp("staticfiles")
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=production_env(STATIC_ROOT=str(static_root)),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return static_root


def test_collectstatic_with_debug_off_names_every_project_file_in_the_manifest(collected):
    manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]
    ours = {path.relative_to(STATIC).as_posix() for path in STATIC.rglob("*") if path.is_file()}
    assert {"vendor/chartjs/chart.umd.min.js", "vendor/htmx/htmx.min.js"} <= ours
    assert sorted(ours - manifest.keys()) == []
    for name in ours:
        assert (collected / manifest[name]).is_file(), name


def test_the_hashed_chart_js_points_at_its_hashed_source_map(collected):
    manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]
    chart = (collected / manifest["vendor/chartjs/chart.umd.min.js"]).read_text()
    named = re.findall(r"sourceMappingURL=(\S+)", chart)
    assert named == [Path(manifest["vendor/chartjs/chart.umd.min.js.map"]).name]


def smoke_database_url(database_url: str) -> str:
    """The services pass's database with `_smoke` added: the smoke migrates and adds users to it."""
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(path=f"{parts.path}_smoke"))


@pytest.mark.services
def test_the_production_smoke_passes_on_postgresql_and_redis(redis_url):
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        pytest.skip("DATABASE_URL is not PostgreSQL: this test runs in the PostgreSQL + Redis pass")
    require(reachable(database_url), f"PostgreSQL at {database_url} is not reachable")
    env = {**os.environ, "DATABASE_URL": smoke_database_url(database_url), "REDIS_URL": redis_url}
    result = subprocess.run(
        [sys.executable, ".ci/production_smoke.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "production smoke passed" in result.stdout
