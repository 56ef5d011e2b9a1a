"""The cost of API-key authentication on a request through the whole Django stack.

Baseline: the same stack answering /api/v1/health (no auth, one `SELECT 1`), in this run.
Value: /api/v1/me with a Bearer key (hash, indexed lookup, problem+json machinery ready).
"""

from typing import Any

from django.test import Client

from accounts.models import ApiKey
from accounts.services import api_key_create
from bench.common import Result, median_ms, p95_ms, per_call_seconds

REPEAT = 2000


def run() -> list[Result]:
    ApiKey.objects.filter(name="bench").delete()
    _, token = api_key_create(name="bench", scopes=["collateral:read"])
    client = Client(SERVER_NAME="localhost")
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def health() -> None:
        assert client.get("/api/v1/health").status_code == 200

    def authed() -> None:
        assert client.get("/api/v1/me", **headers).status_code == 200

    def refused() -> None:
        assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401

    base = per_call_seconds(health, repeat=REPEAT)
    auth = per_call_seconds(authed, repeat=REPEAT)
    bad = per_call_seconds(refused, repeat=REPEAT)
    return [
        Result(
            "api: authenticated request p50",
            median_ms(auth),
            "ms",
            median_ms(base),
            median_ms(auth) / median_ms(base),
            "overhead < 1 ms",
        ),
        Result(
            "api: authenticated request p95",
            p95_ms(auth),
            "ms",
            p95_ms(base),
            p95_ms(auth) / p95_ms(base),
            "overhead < 1 ms",
        ),
        Result(
            "api: refused (wrong key) p50",
            median_ms(bad),
            "ms",
            median_ms(base),
            median_ms(bad) / median_ms(base),
            "overhead < 1 ms",
        ),
    ]
