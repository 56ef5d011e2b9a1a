"""Problem details (RFC 9457): the one shape every API error takes.

Endpoints and auth classes never build an error response: they raise Django's exceptions
(`ValidationError`, `PermissionDenied`, `Http404`), ninja's, a domain exception the API root
maps, or `Problem` for what none of those says (413, 429, a problem type of its own). The API
root (`enablement_portal/api.py`) turns each into `application/problem+json` in one place.
This module imports no app, so any layer may raise `Problem`.
"""

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "/api/v1/problems/"

HTTP_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    413: "Content too large",
    422: "Unprocessable content",
    429: "Too many requests",
    503: "Service unavailable",
}


class Problem(Exception):
    """An error answered as problem+json exactly as given (status, title, detail, errors, headers, extras)."""

    def __init__(
        self,
        *,
        status: int,
        detail: str,
        title: str = "",
        errors: Sequence[dict[str, str]] = (),
        headers: Mapping[str, str] | None = None,
        problem_type: str = "about:blank",
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title or HTTP_TITLES.get(status, "Error")
        self.detail = detail
        self.errors = list(errors)
        self.headers = dict(headers or {})
        self.problem_type = problem_type
        self.extra = extra

    def response(self) -> HttpResponse:
        return problem_response(
            status=self.status,
            title=self.title,
            detail=self.detail,
            errors=self.errors,
            problem_type=self.problem_type,
            headers=self.headers,
            **self.extra,
        )


def problem_response(
    *,
    status: int,
    title: str,
    detail: str,
    errors: Sequence[dict[str, str]] = (),
    problem_type: str = "about:blank",
    headers: Mapping[str, str] | None = None,
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


def schema_errors(errors: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    """Pydantic's / ninja's error list as [{path, message}]."""
    return [{"path": error_path(error.get("loc", ())), "message": error.get("msg", "is not valid")} for error in errors]


def model_errors(exc: ValidationError) -> list[dict[str, str]]:
    """Django's ValidationError as [{path, message}]; errors of the whole object have the path ''."""
    if not hasattr(exc, "error_dict"):
        return [{"path": "", "message": message} for message in exc.messages]
    return [
        {"path": "" if name == "__all__" else name, "message": message}
        for name, messages in exc.message_dict.items()
        for message in messages
    ]


@contextmanager
def field_paths(paths: Mapping[str, str]) -> Iterator[None]:
    """Name a service's model fields by the request's field paths in the ValidationErrors it raises.

    `with field_paths({"lost_reason": "lost_reason_id"}): deal_transition(...)` — the API root then
    answers 422 with `lost_reason_id`, the name the client sent.
    """
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError({paths.get(name, name): errors for name, errors in exc.error_dict.items()}) from exc


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "message"],
                "properties": {"path": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

# What each problem status means, for operations that document no reason of their own.
PROBLEM_DESCRIPTIONS = {
    400: "The request cannot be read (bad JSON, a bad header or parameter)",
    401: "No key, a malformed or unknown key, or no session",
    403: "The key lacks the scope, or the person lacks the right",
    404: "No such resource, or not one the caller may see",
    409: "A conflict with the resource's current state",
    413: "The body is too large",
    422: "Invalid input; every failing field by path",
    429: "Rate limit; see Retry-After",
    503: "A service the operation needs is unavailable; retry later",
}


def documented_problems(*codes: int, descriptions: Mapping[int, str] | None = None) -> dict[int, Any]:
    """OpenAPI `responses` entries for the problem statuses an operation may answer."""
    described = {**PROBLEM_DESCRIPTIONS, **(descriptions or {})}
    return {
        code: {"description": described[code], "content": {PROBLEM_CONTENT_TYPE: {"schema": PROBLEM_SCHEMA}}}
        for code in codes
    }
