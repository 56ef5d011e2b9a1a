"""The JSON API root (`/api/v1/`). Every error is `application/problem+json` (RFC 9457).

Apps add their routers here; endpoints stay thin and call the apps' services.
"""

import json
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.parser import Parser
from ninja.throttling import BaseThrottle
from pydantic import AfterValidator

from accounts.auth import ApiKeyAuth
from enablement_portal.ratelimit import Refusal, rate_limit
from enablement_portal.text import unstorable

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "/api/v1/problems/"


def problem_response(
    *,
    status: int,
    title: str,
    detail: str,
    errors: Sequence[dict[str, str]] = (),
    problem_type: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> HttpResponse:
    body = {"type": problem_type, "title": title, "status": status, "detail": detail, **extra}
    if errors:
        body["errors"] = list(errors)
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_path(loc: Iterable[Any]) -> str:
    """('body', 'payload', 'contactInfo', 'email') -> 'contactInfo.email'; list indexes as [i]."""
    parts = list(loc)
    # Ninja puts where the value came from and the parameter's name first.
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form", "file"}:
        parts = parts[2:] if len(parts) > 2 else parts[1:]
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def validation_errors(errors: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"path": error_path(error.get("loc", ())), "message": error.get("msg", "is not valid")} for error in errors]


# Filters are cheap only while they are few: no query parameter may be given more than this often.
MAX_QUERY_REPEATS = 10
# The widest offsets real zones use (UTC-12:00 to UTC+14:00); PostgreSQL refuses beyond ±15:59.
MAX_UTC_OFFSET = timedelta(hours=14)


class BoundedQueryParser(Parser):
    """Ninja's parser, refusing a query parameter repeated more than MAX_QUERY_REPEATS times (422),
    and JSON text PostgreSQL cannot store (ninja answers a body it cannot parse with 400)."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = super().parse_body(request)
        if holds_unstorable_text(data):
            raise ValueError("The body holds a NUL character or a lone surrogate.")
        return data

    def parse_querydict(self, data: MultiValueDict, list_fields: list[str], request: HttpRequest) -> dict[str, Any]:
        for name, values in data.lists():
            if len(values) > MAX_QUERY_REPEATS:
                message = f"Given {len(values)} times; at most {MAX_QUERY_REPEATS}."
                raise ValidationError([{"loc": ("query", name), "msg": message, "type": "too_long"}])
        return super().parse_querydict(data, list_fields, request)


def holds_unstorable_text(value: Any) -> bool:
    """Whether a parsed JSON value holds a NUL or a lone surrogate, in a key or a string."""
    if isinstance(value, str):
        return unstorable(value)
    if isinstance(value, list):
        return any(holds_unstorable_text(item) for item in value)
    if isinstance(value, dict):
        return any(holds_unstorable_text(key) or holds_unstorable_text(item) for key, item in value.items())
    return False


def in_utc(value: datetime) -> datetime:
    """A query datetime in UTC (a naive one is taken as UTC, the API's zone), within datetime's range."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    if abs(value.utcoffset() or timedelta()) > MAX_UTC_OFFSET:
        raise ValueError("The UTC offset must be between -14:00 and +14:00.")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("Out of range once converted to UTC.") from None


UtcDatetime = Annotated[datetime, AfterValidator(in_utc)]


api = NinjaAPI(
    parser=BoundedQueryParser(),
    title="Enablement Portal API",
    version="1",
    urls_namespace="api",
    description="Leads from marketing systems and the portal's other machine interfaces. "
    "Authenticate with `Authorization: Bearer <key>`; errors are `application/problem+json`.",
)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(
        status=401,
        title="Unauthorized",
        detail=str(exc) if str(exc) != "Unauthorized" else "A valid API key is required.",
        headers={"WWW-Authenticate": 'Bearer realm="api"'},
    )


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = validation_errors(exc.errors)
    return problem_response(
        status=422,
        title="Unprocessable content",
        detail=f"{len(errors)} field(s) failed validation.",
        errors=errors,
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem_response(status=exc.status_code, title=HTTP_TITLES.get(exc.status_code, "Error"), detail=str(exc))


@api.exception_handler(Throttled)
def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    # Ninja adds Retry-After from the throttle's wait.
    return problem_response(
        status=429,
        title="Too many requests",
        detail=f"At most {settings.API_RATE_LIMIT_REQUESTS} requests per {settings.API_RATE_LIMIT_WINDOW_SECONDS} s "
        f"for one person or key; retry in {exc.wait} s.",
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(status=404, title="Not found", detail="No such resource.")


HTTP_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    413: "Content too large",
    422: "Unprocessable content",
    429: "Too many requests",
}


class HealthOut(Schema):
    status: str
    database: str


class KeyOut(Schema):
    name: str
    prefix: str


@api.get("/health", response=HealthOut, tags=["meta"], summary="Liveness and database check")
def health(request: HttpRequest) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok", "database": connection.vendor}


@api.get("/me", response=KeyOut, auth=ApiKeyAuth(), tags=["meta"], summary="The API key this request uses")
def me(request: HttpRequest) -> dict[str, str]:
    return {"name": request.auth.name, "prefix": request.auth.prefix}


def api_rate_limit_refusal(request: HttpRequest) -> Refusal | None:
    """The budget of one person or key (whoever authenticated the request) on the deals,
    collateral and telemetry APIs; lead intake has its own limit per integration."""
    caller = request.auth
    return rate_limit(
        f"api:{caller._meta.label_lower}:{caller.pk}",
        settings.API_RATE_LIMIT_REQUESTS,
        settings.API_RATE_LIMIT_WINDOW_SECONDS,
    )


class ApiRateThrottle(BaseThrottle):
    """Ninja's throttle hook (it runs after authentication) for api_rate_limit_refusal."""

    def __init__(self) -> None:
        # Ninja asks allow_request, then wait, of one shared instance: keep the answer per thread.
        self.last = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        self.last.refusal = api_rate_limit_refusal(request)
        return self.last.refusal is None

    def wait(self) -> int:
        return int(self.last.refusal.headers["Retry-After"])


# Each app's router, by dotted path: imported after the root's handlers, with no import cycle.
api.add_router("/deals", "pipeline.api.router", throttle=ApiRateThrottle())
api.add_router("/leads", "leads.api.router")
api.add_router("/collateral", "collateral.api.router", throttle=ApiRateThrottle())
api.add_router("/telemetry", "telemetry.api.router", throttle=ApiRateThrottle())
