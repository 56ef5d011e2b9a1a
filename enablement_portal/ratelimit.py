"""Fixed-window request limits, counted in the cache (Redis when REDIS_URL is set), so every web
process shares one count per key. Lead intake limits each integration; the other APIs limit
each person or key (settings API_RATE_LIMIT_*). While the cache fails, requests go uncounted.
"""

import logging
import math
import time

from django.core.cache import cache
from redis.exceptions import RedisError

from enablement_portal.problems import Problem

logger = logging.getLogger(__name__)


def rate_limit(key: str, limit: int, window: int, *, now: float | None = None) -> Problem | None:
    """None while `key` has made at most `limit` requests in the current `window` seconds (this
    one counted), else the 429 Problem to raise, whose Retry-After is the time left in the window."""
    now = time.time() if now is None else now
    window = max(window, 1)
    bucket = int(now // window)
    try:
        count = _count(f"rate:{key}:{bucket}", timeout=window + 1)
    except RedisError as error:
        # Redis down, or frozen past its socket timeout: the request goes on uncounted, since
        # refusing every request (or losing a lead) for an outage of the limiter is worse.
        logger.warning("Rate limit %s not checked, the cache failed: %r", key, error)
        return None
    if count <= limit:
        return None
    retry_after = max(1, math.ceil((bucket + 1) * window - now))
    return Problem(
        status=429,
        detail=f"At most {limit} requests per {window} s; retry in {retry_after} s.",
        headers={"Retry-After": str(retry_after)},
    )


def _count(cache_key: str, *, timeout: int) -> int:
    cache.add(cache_key, 0, timeout=timeout)
    try:
        return cache.incr(cache_key)
    except ValueError:
        # The key expired between add and incr: this request opens the window again.
        cache.set(cache_key, 1, timeout=timeout)
        return 1
