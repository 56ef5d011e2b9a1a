"""Fixed-window request limits, counted in the cache (Redis when REDIS_URL is set), so every web
process shares one count per key. Lead intake limits each integration; the other APIs limit
each person or key (settings API_RATE_LIMIT_*).
"""

import math
import time
from dataclasses import dataclass, field

from django.core.cache import cache


@dataclass(frozen=True)
class Refusal:
    """Why a request is refused before its view runs; the API answers it as problem+json."""

    status: int
    title: str
    detail: str
    headers: dict[str, str] = field(default_factory=dict)


def rate_limit(key: str, limit: int, window: int, *, now: float | None = None) -> Refusal | None:
    """None while `key` has made at most `limit` requests in the current `window` seconds (this
    one counted), else a 429 Refusal whose Retry-After is the time left in the window."""
    now = time.time() if now is None else now
    window = max(window, 1)
    bucket = int(now // window)
    cache_key = f"rate:{key}:{bucket}"
    cache.add(cache_key, 0, timeout=window + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:
        # The key expired between add and incr: this request opens the window again.
        cache.set(cache_key, 1, timeout=window + 1)
        count = 1
    if count <= limit:
        return None
    retry_after = max(1, math.ceil((bucket + 1) * window - now))
    return Refusal(
        status=429,
        title="Too many requests",
        detail=f"At most {limit} requests per {window} s; retry in {retry_after} s.",
        headers={"Retry-After": str(retry_after)},
    )
