"""The checks every leads API request passes before its body is used: size, rate, signature.

Each returns None when the request may go on, or the Problem the integration auth raises.
"""

import base64
import hashlib
import hmac
import time

from django.http import HttpRequest

from enablement_portal.problems import Problem
from enablement_portal.ratelimit import rate_limit
from leads.models import Integration

MAX_BODY_BYTES = 1024 * 1024
SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Request-Timestamp"
MAX_CLOCK_SKEW_MS = 300_000


def body_size_refusal(request: HttpRequest) -> Problem | None:
    """413 for a body over 1 MiB, decided on Content-Length before anything reads the body."""
    raw = request.META.get("CONTENT_LENGTH") or "0"
    try:
        length = int(raw)
    except ValueError:
        return Problem(status=400, detail="Content-Length is not a number.")
    if length > MAX_BODY_BYTES:
        return Problem(
            status=413,
            title="Content too large",
            detail=f"The body is {length} bytes; the limit is {MAX_BODY_BYTES} (1 MiB). Send fewer leads per batch.",
        )
    return None


def rate_limit_refusal(integration: Integration, now: float | None = None) -> Problem | None:
    """429 once the integration has used up its requests in the current window (set in admin)."""
    return rate_limit(
        f"leads:{integration.pk}",
        integration.rate_limit_requests,
        integration.rate_limit_window_seconds,
        now=now,
    )


def sign(*, secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """HubSpot v3 style: base64(HMAC-SHA256(secret, method + URI + body + timestamp))."""
    message = method.encode() + uri.encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def signature_refusal(request: HttpRequest, integration: Integration, now: float | None = None) -> Problem | None:
    """401 when the integration signs its requests and this one is not signed right or is too old."""
    if not integration.signs_requests:
        return None
    signature = request.headers.get(SIGNATURE_HEADER, "")
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    if not signature or not timestamp:
        return _unsigned(f"This integration signs its requests: send {SIGNATURE_HEADER} and {TIMESTAMP_HEADER}.")
    try:
        sent_ms = int(timestamp)
    except ValueError:
        return _unsigned(f"{TIMESTAMP_HEADER} must be milliseconds since the Unix epoch.")
    now_ms = (time.time() if now is None else now) * 1000
    if abs(now_ms - sent_ms) > MAX_CLOCK_SKEW_MS:
        return _unsigned(f"{TIMESTAMP_HEADER} is more than 300 s from the server's clock.")
    expected = sign(
        secret=integration.signing_secret,
        method=request.method or "",
        uri=request.build_absolute_uri(),
        body=request.body,
        timestamp=timestamp,
    )
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        return _unsigned("The signature does not match the request.")
    return None


def _unsigned(detail: str) -> Problem:
    return Problem(status=401, detail=detail, headers={"WWW-Authenticate": 'Bearer realm="api"'})


def refusal(request: HttpRequest, integration: Integration) -> Problem | None:
    return body_size_refusal(request) or rate_limit_refusal(integration) or signature_refusal(request, integration)
