"""The JSON API root (`/api/v1/`). Every error is `application/problem+json` (RFC 9457).

Apps add their routers here; endpoints stay thin and call the apps' services. Errors are
mapped once, below: routers raise Django's exceptions (ValidationError, PermissionDenied,
Http404), ninja's, the pipeline's TransitionRefused, or `Problem`, and never build an error
response themselves. Every operation's schema lists the problems it may answer (see
`ProblemDocumentingAPI`).
"""

import threading
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as ModelValidationError
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.throttling import BaseThrottle
from redis.exceptions import RedisError

from accounts.auth import KeyAuth
from accounts.http import ApiRequest, KeyApiRequest
from enablement_portal.api_input import BoundedQueryParser
from enablement_portal.problems import (
    HTTP_TITLES,
    Problem,
    documented_problems,
    model_errors,
    problem_response,
    schema_errors,
)
from enablement_portal.ratelimit import rate_limit
from pipeline.models import Deal
from pipeline.services import TransitionRefused


class ProblemDocumentingAPI(NinjaAPI):
    """Adds to each operation's responses the problems every operation of its kind may answer.

    Any operation with input may answer 400 (unreadable input) and 422 (invalid input); with a
    path parameter, 404; with authentication, 401, 403 and 429. What only one operation answers
    (409 for a transition, 413 for a lead body) it documents itself with `openapi_extra`.
    """

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for methods in schema["paths"].values():
            for operation in methods.values():
                codes = set()
                parameters = operation.get("parameters", [])
                if parameters or "requestBody" in operation:
                    codes |= {400, 422}
                if any(parameter["in"] == "path" for parameter in parameters):
                    codes.add(404)
                if operation.get("security"):
                    codes |= {401, 403, 429}
                responses = operation.setdefault("responses", {})
                for code, response in documented_problems(*sorted(codes)).items():
                    responses.setdefault(code, response)
        return schema


api = ProblemDocumentingAPI(
    parser=BoundedQueryParser(),
    title="Enablement Portal API",
    version="1",
    urls_namespace="api",
    description="Leads from marketing systems and the portal's other machine interfaces. "
    "Authenticate with `Authorization: Bearer <key>`; a key may do what its scopes allow "
    "(and, for the scopes that act as a person, what that person may do). "
    "Errors are `application/problem+json`.",
)


@api.exception_handler(Problem)
def on_problem(request: HttpRequest, exc: Problem) -> HttpResponse:
    return exc.response()


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
    errors = schema_errors(exc.errors)
    return problem_response(
        status=422, title="Unprocessable content", detail=f"{len(errors)} field(s) failed validation.", errors=errors
    )


@api.exception_handler(ModelValidationError)
def on_model_validation_error(request: HttpRequest, exc: ModelValidationError) -> HttpResponse:
    errors = model_errors(exc)
    return problem_response(
        status=422, title="Unprocessable content", detail=" ".join(e["message"] for e in errors), errors=errors
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


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem_response(status=403, title="Forbidden", detail=str(exc) or "You may not do this.")


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(status=404, title="Not found", detail=str(exc) or "No such resource.")


@api.exception_handler(RedisError)
def on_redis_error(request: HttpRequest, exc: RedisError) -> HttpResponse:
    # Redis down or frozen past the settings' socket timeouts: a retryable outage, not a bug.
    return problem_response(
        status=503,
        title=HTTP_TITLES[503],
        detail="A service the API depends on is not answering. Retry shortly.",
        headers={"Retry-After": "30"},
    )


@api.exception_handler(TransitionRefused)
def on_transition_refused(request: HttpRequest, exc: TransitionRefused) -> HttpResponse:
    """409: a move the deal's state does not allow now; the deal's stage as stored, and what is missing."""
    return problem_response(
        status=409,
        title="Conflict",
        detail=str(exc),
        errors=[{"path": "event", "message": f"Not yet confirmed: {c.text}"} for c in exc.missing]
        or [{"path": "event", "message": str(exc)}],
        missing_criteria=[{"id": c.pk, "text": c.text} for c in exc.missing],
        stage=Deal.objects.filter(pk=exc.deal_id).values_list("stage", flat=True).first(),
    )


@csrf_exempt  # nothing is changed here; a POST to a wrong path gets the same 404 as a GET
def api_path_not_found(request: HttpRequest) -> HttpResponse:
    return problem_response(status=404, title="Not found", detail=f"No API operation at {request.path}.")


class HealthOut(Schema):
    status: str
    database: str


class KeyOut(Schema):
    name: str
    prefix: str
    scopes: list[str]
    actsFor: str | None


@api.get("/health", response=HealthOut, tags=["meta"], summary="Liveness and database check")
def health(request: HttpRequest) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok", "database": connection.vendor}


@api.get("/me", response=KeyOut, auth=KeyAuth(scope=None), tags=["meta"], summary="The API key this request uses")
def me(request: KeyApiRequest) -> dict[str, Any]:
    key = request.auth
    return {
        "name": key.name,
        "prefix": key.prefix,
        "scopes": key.scopes,
        "actsFor": key.acts_for.username if key.acts_for else None,
    }


def api_rate_limit_refusal(request: ApiRequest) -> Problem | None:
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
        # Ninja throttles after authentication, so the request carries `auth`.
        self.last.refusal = api_rate_limit_refusal(cast(ApiRequest, request))
        return self.last.refusal is None

    def wait(self) -> int:
        return int(self.last.refusal.headers["Retry-After"])


# Each app's router, by dotted path: imported after the root's handlers, with no import cycle.
api.add_router("/deals", "pipeline.api.router", throttle=ApiRateThrottle())
api.add_router("/leads", "leads.api.router")
api.add_router("/collateral", "collateral.api.router", throttle=ApiRateThrottle())
api.add_router("/telemetry", "telemetry.api.router", throttle=ApiRateThrottle())
api.add_router("/training", "training.api.router", throttle=ApiRateThrottle())
api.add_router("/calls", "training.calls.api.router", throttle=ApiRateThrottle())
# /deals/{id}/recommendations: telemetry's operation on a deal (pipeline must not import telemetry).
api.add_router("/deals", "telemetry.api.deal_router", throttle=ApiRateThrottle())
