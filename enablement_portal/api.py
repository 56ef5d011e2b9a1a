"""The JSON API root (`/api/v1/`). Every error is `application/problem+json` (RFC 9457).

Apps add their routers here; endpoints stay thin and call the apps' services.
"""

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from redis.exceptions import RedisError

from accounts.auth import ApiKeyAuth

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


api = NinjaAPI(
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


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(status=404, title="Not found", detail="No such resource.")


@api.exception_handler(RedisError)
def on_redis_error(request: HttpRequest, exc: RedisError) -> HttpResponse:
    # Redis down or frozen past the settings' socket timeouts: a retryable outage, not a bug.
    return problem_response(
        status=503,
        title="Service unavailable",
        detail="A service the API depends on is not answering. Retry shortly.",
        headers={"Retry-After": "30"},
    )


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


# Each app's router, by dotted path: imported after the root's handlers, with no import cycle.
api.add_router("/deals", "pipeline.api.router")
api.add_router("/leads", "leads.api.router")
api.add_router("/collateral", "collateral.api.router")
api.add_router("/telemetry", "telemetry.api.router")
