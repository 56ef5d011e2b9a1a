"""Settings, read from the environment only; an optional `.env` file in the repo supplies
values the environment does not set (`make run` and `make test` write one with DEBUG=1).

Every value goes through a small typed helper that fails loudly on a bad value, so a
typo in production is an error at start-up rather than a silently wrong default.
"""

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from typing import overload

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@overload
def env_str(name: str, default: str) -> str: ...
@overload
def env_str(name: str, default: None = None) -> str | None: ...
def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def _load_dotenv(path: Path) -> None:
    """KEY=VALUE lines; blank lines and # comments skipped; the real environment wins."""
    if not path.exists():
        return
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ImproperlyConfigured(f"{path}:{number}: expected KEY=VALUE")
        os.environ.setdefault(key.strip(), value.strip().strip("'\""))


def _dev_secret_key() -> str:
    # Kept in a git-ignored file so that dev sessions survive a restart.
    path = BASE_DIR / ".dev-secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


# ---------------------------------------------------------------------------
# Core
# ---------------------------------------------------------------------------
_load_dotenv(BASE_DIR / ".env")

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off")
    SECRET_KEY = _dev_secret_key()
# Sessions, password-reset links and CSRF tokens are signed with it: a short key can be guessed.
if not DEBUG and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        f"SECRET_KEY has {len(SECRET_KEY)} characters; use at least 50 random ones when DEBUG is off"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "axes",
    "ninja",
    "taggit",
    "reversion",
    "reversion_compare",
    "nested_admin",
    # Loads every app's rules.py, where who may do what is declared.
    "rules.apps.AutodiscoverRulesConfig",
    # Domain apps in dependency order: load_demo runs their demo loaders in this order.
    "accounts",
    "pipeline",
    "collateral",
    "leads",
    "training",
    "telemetry",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "enablement_portal.middleware.NonceOnEveryPageCSPMiddleware",
    # Before sessions and views: input no view can use (a NUL in the URL...) is a 400 at once.
    "enablement_portal.middleware.BadInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "enablement_portal.middleware.NoStoreWithCredentialsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged by its backend into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "enablement_portal.urls"
WSGI_APPLICATION = "enablement_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
            ],
        },
    },
]

# ---------------------------------------------------------------------------
# Database: SQLite in the repo unless DATABASE_URL says otherwise
# ---------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while one writer commits; IMMEDIATE avoids
        # "database is locked" when two transactions upgrade to writes at once.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------------------
# Cache, Celery: Redis when REDIS_URL is set, in-process otherwise
# ---------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
# Every Redis client (cache, broker, results) gives up after these many seconds, so a stopped
# or frozen Redis costs a request a few seconds at most instead of a worker: the lead rate
# limiter then lets the request through, and tasks wait in the outbox (accounts.outbox).
REDIS_CONNECT_TIMEOUT = env_int("REDIS_CONNECT_TIMEOUT", 1)
REDIS_SOCKET_TIMEOUT = env_int("REDIS_SOCKET_TIMEOUT", 2)
REDIS_TIMEOUTS = {"socket_connect_timeout": REDIS_CONNECT_TIMEOUT, "socket_timeout": REDIS_SOCKET_TIMEOUT}

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_TIMEOUTS,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# How long collateral search keeps a query's counts and ranked page (until the library changes
# anyway, collateral.search.lexicon.library_version); 0 keeps nothing (the benchmark's cold figure).
COLLATERAL_SEARCH_CACHE_SECONDS = env_int("COLLATERAL_SEARCH_CACHE_SECONDS", 3600)

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = dict(REDIS_TIMEOUTS)
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT
# No publish retries (a connection Redis dropped is replaced when taken from the pool anyway):
# a publish that fails leaves its task in the outbox, which the drain sends later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_CONNECT_TIMEOUT
CELERY_REDIS_SOCKET_TIMEOUT = REDIS_SOCKET_TIMEOUT
# Without a broker every task runs in the caller's process, so `make run` needs nothing else.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A task is acknowledged after it ran, so a worker that dies mid-task leaves it to another.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TIMEZONE = env_str("TIME_ZONE", "UTC")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Every periodic job of the project is declared here and nowhere else.
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "accounts.tasks.clear_expired_sessions",
        "schedule": timedelta(days=1),
    },
    # Idempotency keys are kept at least 24 h; the purge removes only older ones.
    "purge-idempotency-records": {
        "task": "leads.tasks.purge_idempotency_records",
        "schedule": timedelta(hours=1),
    },
    # Tasks that a broker outage kept in the outbox go out within a minute of its end; a drain
    # that waited longer than that in the queue is dropped, the next one does the same work.
    "drain-outbox": {
        "task": "accounts.tasks.drain_outbox",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 60},
    },
    # Recompute yesterday's telemetry at 02:00 in TIME_ZONE (CELERY_TIMEZONE), once the day is complete.
    # Certifications entering their renewal window: the holders are enrolled again, once per grant.
    "training-renew-certifications": {
        "task": "training.tasks.renew_certifications",
        "schedule": crontab(hour=1, minute=30),
    },
    "telemetry-nightly-recompute": {
        "task": "telemetry.tasks.recompute",
        "schedule": crontab(hour=2, minute=0),
        "kwargs": {"days_back": 1, "trigger": "nightly"},
    },
}
# Telemetry: the share of a month's quota that counts as ramped, and the longest a run may take
# (a run still marked running after that is known dead, so another run may take its date).
TELEMETRY_RAMP_THRESHOLD_PERCENT = env_int("TELEMETRY_RAMP_THRESHOLD_PERCENT", 100)
TELEMETRY_RUN_TIME_LIMIT = env_int("TELEMETRY_RUN_TIME_LIMIT", 30 * 60)
# Closing the loop: recommendations trust an asset's measured lift from this many closed deals
# with it in the segment (below, they rank by tag relevance); coaching flags a stage only when the
# rep has this many deals reaching it; evidence shorter than this many characters counts as thin.
TELEMETRY_RECOMMENDATION_MIN_DEALS = env_int("TELEMETRY_RECOMMENDATION_MIN_DEALS", 5)
TELEMETRY_COACHING_MIN_DEALS = env_int("TELEMETRY_COACHING_MIN_DEALS", 5)
# Closed deals with linted calls below which the call trackers' win rates are not shown.
TELEMETRY_CALL_OUTCOME_MIN_DEALS = env_int("TELEMETRY_CALL_OUTCOME_MIN_DEALS", 10)
TELEMETRY_EVIDENCE_MIN_LENGTH = env_int("TELEMETRY_EVIDENCE_MIN_LENGTH", 20)

# API: requests per window for one person or key on the deals, collateral and telemetry APIs
# (lead intake is limited per integration, in admin).
API_RATE_LIMIT_REQUESTS = env_int("API_RATE_LIMIT_REQUESTS", 300)
API_RATE_LIMIT_WINDOW_SECONDS = env_int("API_RATE_LIMIT_WINDOW_SECONDS", 60)

# ---------------------------------------------------------------------------
# Auth, sessions, login throttling
# ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # The portal's rules (each app's rules.py) first; then the Groups' model permissions, for Django admin.
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 8)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Five wrong passwords are answered as wrong; the sixth in a row locks out the
# username from that address for AXES_COOLOFF_MINUTES, answered 429 with the cool-off.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 6)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Against password spraying (a few guesses at many accounts): this many failures from one
# address within the cool-off lock out the whole address (accounts/lockout.py).
AXES_HANDLER = "accounts.lockout.AddressLimitAxesHandler"
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 30)
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Where the client's address comes from (django-ipware). The default, REMOTE_ADDR, is right
# without a proxy and trusts no header; behind one, name the header the proxy sets, e.g.
# AXES_IPWARE_META_PRECEDENCE_ORDER=HTTP_X_REAL_IP,REMOTE_ADDR, or for X-Forwarded-For the
# number of proxies and which end of the list is the client (see the README).
AXES_IPWARE_META_PRECEDENCE_ORDER = tuple(env_list("AXES_IPWARE_META_PRECEDENCE_ORDER", ["REMOTE_ADDR"]))
AXES_IPWARE_PROXY_COUNT = env_int("AXES_IPWARE_PROXY_COUNT", 0) or None
AXES_IPWARE_PROXY_ORDER = env_str("AXES_IPWARE_PROXY_ORDER", "left-most")
AXES_IPWARE_PROXY_TRUSTED_IPS = env_list("AXES_IPWARE_PROXY_TRUSTED_IPS", []) or None
if AXES_IPWARE_PROXY_ORDER not in {"left-most", "right-most"}:
    raise ImproperlyConfigured(f"AXES_IPWARE_PROXY_ORDER={AXES_IPWARE_PROXY_ORDER!r} is not left-most or right-most")
for _header in AXES_IPWARE_META_PRECEDENCE_ORDER:
    # request.META names, not HTTP header names: X-Real-IP would silently never match.
    if not re.fullmatch(r"[A-Z][A-Z0-9_]*", _header):
        raise ImproperlyConfigured(f"AXES_IPWARE_META_PRECEDENCE_ORDER: {_header!r} is not a request.META name")

# ---------------------------------------------------------------------------
# HTTP security
# ---------------------------------------------------------------------------
# Local HTTP (make run, tests) has no TLS; production sets nothing and gets the redirect.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Scripts only from our origin, and only with this response's nonce: no inline
# <script> or on…= handlers anywhere in the templates.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# ---------------------------------------------------------------------------
# Internationalisation, static files, email
# ---------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# In DEBUG whitenoise serves straight from the finders, so no collectstatic is needed.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "enablement@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
