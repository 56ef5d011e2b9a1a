"""`/api/v1/leads`: the MQL intake, its batch form, a lead's fate and the rejections feed.

The endpoints read the body themselves (rather than through a ninja body parameter) so that
a bad lead becomes a recorded rejection with every failing path, unknown fields become
warnings, and `Idempotency-Key` can replay the exact answer. The OpenAPI schema still
documents the contract, from the same pydantic models.
"""

import json
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.errors import AuthorizationError
from pydantic import ValidationError as PydanticValidationError

from accounts.auth import ApiKeyAuth
from accounts.models import ApiKey
from enablement_portal.api import PROBLEM_TYPE_BASE, UtcDatetime, error_path, problem_response
from leads.guards import refusal
from leads.models import Integration, Lead, LeadRejection
from leads.schemas import EXAMPLE_LEAD, MAX_BATCH, LeadBatchIn, LeadIn, inline_json_schema
from leads.services import (
    CREATED,
    IdempotencyInProgress,
    IdempotencyKeyReused,
    IntakeResult,
    IntakeRules,
    idempotency_claim,
    idempotency_complete,
    idempotency_hold,
    idempotency_release,
    lead_ingest,
    request_digest,
)

IDEMPOTENCY_HEADER = "Idempotency-Key"


class IntegrationAuth(ApiKeyAuth):
    """An API key that belongs to a lead integration; `request.auth` is the Integration."""

    def authenticate(self, request: HttpRequest, token: str) -> Integration:
        api_key: ApiKey = super().authenticate(request, token)
        try:
            return Integration.objects.get(api_key=api_key)
        except Integration.DoesNotExist:
            raise AuthorizationError(message="This API key does not belong to a lead integration.") from None


router = Router(tags=["leads"], auth=IntegrationAuth())


# ---------------------------------------------------------------------------
# Schemas of the answers (documentation; the bodies are built below)
# ---------------------------------------------------------------------------
class Issue(Schema):
    path: str
    message: str


class LeadAccepted(Schema):
    leadId: str
    outcome: str = Field(description="created, updated or unchanged")
    status: str = Field(description="The lead's status: mql, accepted, returned or converted")
    warnings: list[Issue]


class BatchItem(Schema):
    index: int
    leadId: str
    outcome: str = Field(description="created, updated, unchanged or rejected")
    status: int = Field(description="What the item would have got alone: 201, 200 or 422")
    leadStatus: str | None
    warnings: list[Issue]
    errors: list[Issue]
    reasons: list[str]
    rejectionId: int | None


class BatchResult(Schema):
    accepted: int
    rejected: int
    results: list[BatchItem]


class Person(Schema):
    name: str
    email: str


class DealRef(Schema):
    id: int
    name: str
    stage: str


class LeadState(Schema):
    leadId: str
    status: str
    owner: Person | None
    team: str | None
    deal: DealRef | None
    returnReason: str | None
    receivedAt: datetime
    updatedAt: datetime


class Rejection(Schema):
    id: int
    receivedAt: datetime
    leadId: str
    reasons: list[str]
    errors: list[Issue]
    payloadDigest: str


class RejectionPage(Schema):
    items: list[Rejection]
    nextCursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


PROBLEM_SCHEMA = {
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
LEAD_SCHEMA = inline_json_schema(LeadIn)
BATCH_SCHEMA = {
    "type": "object",
    "required": ["leads"],
    "properties": {"leads": {"type": "array", "minItems": 1, "maxItems": MAX_BATCH, "items": LEAD_SCHEMA}},
}
PROBLEMS = {
    400: "Unparsable or too deeply nested JSON, a bad Idempotency-Key, or a NUL character in the URL",
    401: "No key, a wrong key, or a bad signature",
    403: "A revoked key, or one that is not an integration's",
    404: "No such lead",
    409: "A request with this Idempotency-Key is still running",
    413: "Body over 1 MiB",
    422: "Invalid or unqualified; every failing field by path",
    429: "Rate limit; see Retry-After",
}
HEADERS = [
    {
        "in": "header",
        "name": "X-Signature",
        "required": False,
        "schema": {"type": "string"},
        "description": "base64 HMAC-SHA256 of method + URI + body + timestamp (integrations with a signing secret)",
    },
    {
        "in": "header",
        "name": "X-Request-Timestamp",
        "required": False,
        "schema": {"type": "string"},
        "description": "Milliseconds since the Unix epoch; at most 300 s from the server's clock",
    },
]
IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": IDEMPOTENCY_HEADER,
    "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": "Same key and body: the first answer again. Kept at least 24 hours.",
}


def documented(*codes: int, body: dict | None = None, example: Any = None, idempotent: bool = False) -> dict[str, Any]:
    extra: dict[str, Any] = {
        "parameters": [*HEADERS, *([IDEMPOTENCY_PARAMETER] if idempotent else [])],
        "responses": {
            code: {"description": PROBLEMS[code], "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}}}
            for code in codes
        },
    }
    if body is not None:
        media = {"schema": body, "example": example}
        extra["requestBody"] = {"required": True, "content": {"application/json": media}}
    return extra


# ---------------------------------------------------------------------------
# Endpoints
# ---------------------------------------------------------------------------
@router.post(
    "",
    response={201: LeadAccepted, 200: LeadAccepted},
    summary="Send one MQL (upsert by leadId)",
    openapi_extra=documented(
        400, 401, 403, 409, 413, 422, 429, body=LEAD_SCHEMA, example=EXAMPLE_LEAD, idempotent=True
    ),
)
def lead_post(request: HttpRequest) -> HttpResponse:
    return intake(request, answer=answer_one)


@router.post(
    "/batch",
    response={207: BatchResult},
    summary=f"Send up to {MAX_BATCH} MQLs; a result per item",
    openapi_extra=documented(
        400, 401, 403, 409, 413, 422, 429, body=BATCH_SCHEMA, example={"leads": [EXAMPLE_LEAD]}, idempotent=True
    ),
)
def lead_batch(request: HttpRequest) -> HttpResponse:
    return intake(request, answer=answer_batch)


@router.get(
    "/rejections",
    response=RejectionPage,
    summary="Rejected leads, oldest first (the feedback loop)",
    openapi_extra=documented(400, 401, 403, 422, 429),
)
def rejections(
    request: HttpRequest,
    since: UtcDatetime | None = None,
    cursor: str | None = Query(None, pattern=r"^\d{1,18}$"),
    limit: int = Query(100, ge=1, le=500),
) -> HttpResponse:
    integration = request.auth
    if refused := refusal(request, integration):
        return problem_response(**vars(refused))
    rows = LeadRejection.objects.filter(integration=integration).order_by("id")
    if since is not None:
        rows = rows.filter(received_at__gte=since)
    if cursor is not None:
        rows = rows.filter(id__gt=int(cursor))
    page = list(rows[: limit + 1])
    items = [
        {
            "id": r.pk,
            "receivedAt": r.received_at,
            "leadId": r.lead_id,
            "reasons": r.reasons,
            "errors": r.errors,
            "payloadDigest": r.payload_digest,
        }
        for r in page[:limit]
    ]
    next_cursor = str(page[limit - 1].pk) if len(page) > limit else None
    return json_response({"items": items, "nextCursor": next_cursor})


@router.get(
    "/{leadId}",
    response=LeadState,
    summary="What became of a lead: status, owner, deal",
    openapi_extra=documented(400, 401, 403, 404, 429),
)
def lead_state(request: HttpRequest, leadId: str) -> HttpResponse:
    integration = request.auth
    if refused := refusal(request, integration):
        return problem_response(**vars(refused))
    lead = Lead.objects.filter(integration=integration, lead_id=leadId).select_related("owner", "team", "deal").first()
    if lead is None:
        return problem_response(status=404, title="Not found", detail="This integration sent no lead with this leadId.")
    owner = lead.owner
    return json_response(
        {
            "leadId": lead.lead_id,
            "status": lead.status,
            "owner": {"name": owner.get_full_name() or owner.username, "email": owner.email} if owner else None,
            "team": lead.team.name if lead.team else None,
            "deal": {"id": lead.deal.pk, "name": lead.deal.name, "stage": lead.deal.stage} if lead.deal else None,
            "returnReason": lead.return_reason or None,
            "receivedAt": lead.received_at,
            "updatedAt": lead.updated_at,
        }
    )


# ---------------------------------------------------------------------------
# Intake: guards, JSON, idempotency, then the answer
# ---------------------------------------------------------------------------
def intake(request: HttpRequest, *, answer) -> HttpResponse:
    integration = request.auth
    if refused := refusal(request, integration):
        return problem_response(**vars(refused))
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not 0 < len(key) <= 255:
        return problem_response(
            status=400,
            title="Bad request",
            detail=f"{IDEMPOTENCY_HEADER} must be 1 to 255 characters.",
            errors=[{"path": IDEMPOTENCY_HEADER, "message": "Must be 1 to 255 characters."}],
        )
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        return problem_response(status=400, title="Bad request", detail=f"The body is not valid JSON: {exc}.")
    except RecursionError:
        return problem_response(status=400, title="Bad request", detail="The body's JSON is nested too deep.")
    rules = IntakeRules.load()
    if key is None:
        return answer(integration, payload, rules)
    digest = request_digest(method=request.method or "", path=request.path, body=request.body)
    try:
        record, fresh = idempotency_claim(integration=integration, key=key, request_digest=digest)
    except IdempotencyInProgress as exc:
        return problem_response(status=409, title="Conflict", detail=str(exc))
    except IdempotencyKeyReused as exc:
        return problem_response(
            status=422,
            title="Unprocessable content",
            detail=str(exc),
            errors=[{"path": IDEMPOTENCY_HEADER, "message": "Already used with a different body."}],
        )
    if not fresh:
        response = HttpResponse(record.response_body, status=record.status, content_type=record.content_type)
        response["Idempotent-Replayed"] = "true"
        return response
    try:
        with transaction.atomic():
            idempotency_hold(record=record)
            response = answer(integration, payload, rules)
            idempotency_complete(
                record=record,
                status=response.status_code,
                body=response.content.decode(),
                content_type=response["Content-Type"],
            )
    except BaseException:
        idempotency_release(record=record)
        raise
    return response


def answer_one(integration: Integration, payload: Any, rules: IntakeRules) -> HttpResponse:
    result = lead_ingest(integration=integration, payloads=[payload], rules=rules)[0]
    if result.rejected:
        return rejection_problem(result)
    body = {
        "leadId": result.lead_id,
        "outcome": result.outcome,
        "status": result.lead.status,
        "warnings": result.warnings,
    }
    return json_response(body, status=201 if result.outcome == CREATED else 200)


def answer_batch(integration: Integration, payload: Any, rules: IntakeRules) -> HttpResponse:
    try:
        batch = LeadBatchIn.model_validate(payload)
    except PydanticValidationError as exc:
        errors = [{"path": error_path(e["loc"]), "message": e["msg"]} for e in exc.errors(include_url=False)]
        return problem_response(
            status=422,
            title="Unprocessable content",
            detail=f"A batch is {{'leads': [...]}} with 1 to {MAX_BATCH} leads.",
            errors=errors,
            problem_type=f"{PROBLEM_TYPE_BASE}invalid-batch",
        )
    results = lead_ingest(integration=integration, payloads=batch.leads, rules=rules)
    items = [batch_item(result) for result in results]
    rejected = sum(1 for result in results if result.rejected)
    return json_response({"accepted": len(results) - rejected, "rejected": rejected, "results": items}, status=207)


def batch_item(result: IntakeResult) -> dict[str, Any]:
    return {
        "index": result.index,
        "leadId": result.lead_id,
        "outcome": result.outcome,
        "status": 422 if result.rejected else 201 if result.outcome == CREATED else 200,
        "leadStatus": result.lead.status if result.lead else None,
        "warnings": result.warnings,
        "errors": result.errors,
        "reasons": result.reasons,
        "rejectionId": result.rejection.pk if result.rejection else None,
    }


def rejection_problem(result: IntakeResult) -> HttpResponse:
    unqualified = result.reasons == ["not_qualified"]
    return problem_response(
        status=422,
        title="Lead not qualified" if unqualified else "Invalid lead",
        detail=(
            f"The lead fails {len(result.failed_rules)} qualification check(s)."
            if unqualified
            else f"{len(result.errors)} field(s) break the lead contract."
        ),
        errors=result.errors,
        problem_type=f"{PROBLEM_TYPE_BASE}{'not-qualified' if unqualified else 'invalid-lead'}",
        reason="not_qualified" if unqualified else "invalid",
        reasons=result.reasons,
        failedRules=result.failed_rules,
        leadId=result.lead_id,
        rejectionId=result.rejection.pk if result.rejection else None,
        warnings=result.warnings,
    )


def json_response(body: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(body, cls=DjangoJSONEncoder), status=status, content_type="application/json")
