import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_ENV_VARS = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "SECURE_SSL_REDIRECT",
    "AXES_IPWARE_META_PRECEDENCE_ORDER",
    "AXES_IPWARE_PROXY_COUNT",
    "AXES_IPWARE_PROXY_ORDER",
    "REDIS_CONNECT_TIMEOUT",
    "REDIS_SOCKET_TIMEOUT",
}


def run_django(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter with Django set up from exactly `env`."""
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV_VARS}
    clean.update(env, DJANGO_SETTINGS_MODULE="enablement_portal.settings")
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_in(keys: str, **env: str) -> dict:
    result = run_django(
        f"from django.conf import settings as s; import json; print(json.dumps({keys}, default=str))", **env
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_sqlite_in_the_repo_is_the_default():
    found = settings_in("s.DATABASES['default']", DEBUG="1")
    assert found["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(found["NAME"]) == ROOT / "db.sqlite3"


def test_sqlite_runs_in_wal_mode(tmp_path):
    db = tmp_path / "wal.sqlite3"
    result = run_django(
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])",
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{db}",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "wal"


def test_database_url_switches_to_postgresql():
    found = settings_in(
        "s.DATABASES['default']", DEBUG="1", DATABASE_URL="postgres://postgres@127.0.0.1:5432/portal_settings_test"
    )
    assert found["ENGINE"] == "django.db.backends.postgresql"
    assert (found["NAME"], found["HOST"], found["PORT"]) == ("portal_settings_test", "127.0.0.1", 5432)


@pytest.mark.services
@pytest.mark.django_db
def test_the_services_pass_really_talks_to_postgresql():
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("DATABASE_URL is not PostgreSQL: this test runs in the PostgreSQL + Redis pass")
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert cursor.fetchone()[0]


def test_redis_url_selects_the_broker_and_its_absence_runs_tasks_eagerly():
    keys = "[s.CELERY_BROKER_URL, s.CELERY_TASK_ALWAYS_EAGER, s.CACHES['default']['BACKEND']]"
    assert settings_in(keys, DEBUG="1") == ["memory://", True, "django.core.cache.backends.locmem.LocMemCache"]
    assert settings_in(keys, DEBUG="1", REDIS_URL="redis://127.0.0.1:6379/5") == [
        "redis://127.0.0.1:6379/5",
        False,
        "django.core.cache.backends.redis.RedisCache",
    ]


def test_every_redis_client_times_out_as_the_environment_says():
    code = (
        "import json\n"
        "from django.core.cache import cache\n"
        "from enablement_portal.celery import app\n"
        "pool = cache._cache.get_client(write=True).connection_pool.connection_kwargs\n"
        "print(json.dumps({\n"
        "    'cache': [pool['socket_connect_timeout'], pool['socket_timeout']],\n"
        "    'broker': app.conf.broker_transport_options,\n"
        "    'broker_connect': app.conf.broker_connection_timeout,\n"
        "    'results': [app.conf.redis_socket_connect_timeout, app.conf.redis_socket_timeout],\n"
        "    'publish_retries': app.conf.task_publish_retry_policy['max_retries'],\n"
        "}))"
    )
    redis = {"DEBUG": "1", "REDIS_URL": "redis://127.0.0.1:6379/5"}
    result = run_django(code, **redis, REDIS_CONNECT_TIMEOUT="3", REDIS_SOCKET_TIMEOUT="4")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "cache": [3, 4],
        "broker": {"socket_connect_timeout": 3, "socket_timeout": 4},
        "broker_connect": 3,
        "results": [3, 4],
        "publish_retries": 0,
    }
    # Without the variables, a second or two: never the clients' own minutes-long defaults.
    found = settings_in("[s.REDIS_CONNECT_TIMEOUT, s.REDIS_SOCKET_TIMEOUT]", **redis)
    assert found == [1, 2]
    refused = run_django("", **redis, REDIS_SOCKET_TIMEOUT="2s")
    assert "REDIS_SOCKET_TIMEOUT='2s' is not an integer" in refused.stderr


def production_env() -> dict[str, str]:
    return {
        "DEBUG": "0",
        "SECRET_KEY": "p" * 20 + "-Rq7!zX2#mK9vL4$wN8@bT3^cY6&hJ1*" + "q" * 20,
        "ALLOWED_HOSTS": "portal.example.com",
    }


def test_check_deploy_is_clean_with_production_values():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if k not in SETTINGS_ENV_VARS}, **production_env()},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = run_django("", DEBUG="0", ALLOWED_HOSTS="portal.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_it_refuses_a_short_secret_key_when_debug_is_off():
    result = run_django("", DEBUG="0", ALLOWED_HOSTS="portal.example.com", SECRET_KEY="k" * 49)
    assert result.returncode != 0
    assert "SECRET_KEY has 49 characters; use at least 50" in result.stderr
    assert settings_in("len(s.SECRET_KEY)", DEBUG="1", SECRET_KEY="short") == 5


def test_the_login_throttles_client_address_source_comes_from_the_environment():
    keys = "[s.AXES_IPWARE_META_PRECEDENCE_ORDER, s.AXES_IPWARE_PROXY_COUNT, s.AXES_IPWARE_PROXY_ORDER]"
    assert settings_in(keys, DEBUG="1") == [["REMOTE_ADDR"], None, "left-most"]
    assert settings_in(
        keys,
        DEBUG="1",
        AXES_IPWARE_META_PRECEDENCE_ORDER="HTTP_X_FORWARDED_FOR, REMOTE_ADDR",
        AXES_IPWARE_PROXY_COUNT="1",
        AXES_IPWARE_PROXY_ORDER="right-most",
    ) == [["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"], 1, "right-most"]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("AXES_IPWARE_META_PRECEDENCE_ORDER", "X-Real-IP", "'X-Real-IP' is not a request.META name"),
        ("AXES_IPWARE_PROXY_ORDER", "middle", "is not left-most or right-most"),
        ("AXES_IPWARE_PROXY_COUNT", "one", "is not an integer"),
    ],
)
def test_a_bad_client_address_setting_fails_loudly(name, value, message):
    result = run_django("", DEBUG="1", **{name: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_a_bad_boolean_fails_loudly():
    result = run_django("", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_passwords_need_twelve_characters_and_not_a_common_one():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="at least 12 characters"):
        validate_password("Xq7!vB2#pL")
    with pytest.raises(ValidationError, match="too common"):
        validate_password("startfinding")
    validate_password("violet-harbour-engine-42")


def test_sessions_expire():
    assert settings.SESSION_COOKIE_AGE <= 60 * 60 * 24
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_dotenv_fills_what_the_environment_does_not_set(tmp_path, monkeypatch):
    from enablement_portal.settings import _load_dotenv

    dotenv = tmp_path / ".env"
    dotenv.write_text("# local\nPORTAL_A=from-file\n\nPORTAL_B='quoted'\nPORTAL_C=from-file\n")
    monkeypatch.delenv("PORTAL_A", raising=False)
    monkeypatch.delenv("PORTAL_B", raising=False)
    monkeypatch.setenv("PORTAL_C", "from-env")
    _load_dotenv(dotenv)
    assert (os.environ["PORTAL_A"], os.environ["PORTAL_B"], os.environ["PORTAL_C"]) == (
        "from-file",
        "quoted",
        "from-env",
    )
    monkeypatch.delenv("PORTAL_A")
    monkeypatch.delenv("PORTAL_B")


def test_a_malformed_dotenv_line_fails_loudly(tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    from enablement_portal.settings import _load_dotenv

    dotenv = tmp_path / ".env"
    dotenv.write_text("DEBUG=1\nthis is not a setting\n")
    with pytest.raises(ImproperlyConfigured, match=r"\.env:2: expected KEY=VALUE"):
        _load_dotenv(dotenv)
