"""`/api/v1/leads`: the MQL intake, its batch form, a lead's fate, and two feeds for marketing:
the rejections (leads refused at intake) and the returns (leads sales sent back).

The endpoints read the body themselves (rather than through a ninja body parameter) so that
a bad lead becomes a recorded rejection with every failing path, unknown fields become
warnings, and `Idempotency-Key` can replay the exact answer. The OpenAPI schema still
documents the contract, from the same pydantic models.
"""

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from ninja import Query, Router
from pydantic import ValidationError as PydanticValidationError

from accounts.auth import IntegrationAuth
from accounts.http import ApiRequest
from accounts.models import Scope, User
from enablement_portal.api_input import UtcDatetime
from enablement_portal.problems import PROBLEM_TYPE_BASE, Problem, error_path, problem_response
from leads.guards import refusal
from leads.idempotency import (
    IdempotencyInProgress,
    IdempotencyKeyReused,
    idempotency_claim,
    idempotency_complete,
    idempotency_hold,
    idempotency_release,
    request_digest,
)
from leads.models import Integration, Lead, LeadEvent, LeadRejection
from leads.openapi import (
    BATCH_SCHEMA,
    IDEMPOTENCY_HEADER,
    LEAD_SCHEMA,
    BatchResult,
    LeadAccepted,
    LeadState,
    RejectionPage,
    ReturnPage,
    documented,
)
from leads.schemas import EXAMPLE_LEAD, MAX_BATCH, LeadBatchIn
from leads.services import CREATED, lead_ingest
from leads.validation import IntakeResult, IntakeRules


class IntegrationApiRequest(ApiRequest):
    """Behind IntegrationAuth: the lead integration whose key sent the request."""

    auth: Integration


# How intake answers the parsed body: one lead, or a batch.
Answer = Callable[[Integration, Any, IntakeRules], HttpResponse]


# Size, rate and signature (`leads.guards.refusal`) run in the integration auth, before any endpoint reads the body.
router = Router(tags=["leads"], auth=IntegrationAuth(Scope.LEADS_READ, refusal))
SENDER = IntegrationAuth(Scope.LEADS_WRITE, refusal)


# ---------------------------------------------------------------------------
# Endpoints
# ---------------------------------------------------------------------------
@router.post(
    "",
    response={201: LeadAccepted, 200: LeadAccepted},
    auth=SENDER,
    summary="Send one MQL (upsert by leadId)",
    openapi_extra=documented(
        400, 401, 403, 409, 413, 422, 429, body=LEAD_SCHEMA, example=EXAMPLE_LEAD, idempotent=True
    ),
)
def lead_post(request: IntegrationApiRequest) -> HttpResponse:
    return intake(request, answer=answer_one)


@router.post(
    "/batch",
    response={207: BatchResult},
    auth=SENDER,
    summary=f"Send up to {MAX_BATCH} MQLs; a result per item",
    openapi_extra=documented(
        400, 401, 403, 409, 413, 422, 429, body=BATCH_SCHEMA, example={"leads": [EXAMPLE_LEAD]}, idempotent=True
    ),
)
def lead_batch(request: IntegrationApiRequest) -> HttpResponse:
    return intake(request, answer=answer_batch)


def keyset_page(
    rows: QuerySet, *, since: datetime | None, since_field: str, cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    """One page of a feed, oldest first: (rows, the cursor of the next page or None on the last).
    Ids only grow, so "after this id" never skips or repeats a row."""
    rows = rows.order_by("id")
    if since is not None:
        rows = rows.filter(**{f"{since_field}__gte": since})
    if cursor is not None:
        rows = rows.filter(id__gt=int(cursor))
    page = list(rows[: limit + 1])
    return page[:limit], str(page[limit - 1].pk) if len(page) > limit else None


@router.get(
    "/rejections",
    response=RejectionPage,
    summary="Rejected leads, oldest first (the feedback loop)",
    openapi_extra=documented(400, 401, 403, 422, 429),
)
def rejections(
    request: IntegrationApiRequest,
    since: UtcDatetime | None = None,
    cursor: str | None = Query(None, pattern=r"^\d{1,18}$"),
    limit: int = Query(100, ge=1, le=500),
) -> HttpResponse:
    rows = LeadRejection.objects.filter(integration=request.auth)
    page, next_cursor = keyset_page(rows, since=since, since_field="received_at", cursor=cursor, limit=limit)
    items = [
        {
            "id": r.pk,
            "receivedAt": r.received_at,
            "leadId": r.lead_id,
            "reasons": r.reasons,
            "errors": r.errors,
            "payloadDigest": r.payload_digest,
        }
        for r in page
    ]
    return json_response({"items": items, "nextCursor": next_cursor})


@router.get(
    "/returns",
    response=ReturnPage,
    summary="Leads returned by sales, oldest first: what to correct and send again",
    openapi_extra=documented(400, 401, 403, 422, 429),
)
def returns(
    request: IntegrationApiRequest,
    since: UtcDatetime | None = None,
    cursor: str | None = Query(None, pattern=r"^\d{1,18}$"),
    limit: int = Query(100, ge=1, le=500),
) -> HttpResponse:
    rows = LeadEvent.objects.filter(kind=LeadEvent.Kind.RETURNED, lead__integration=request.auth).select_related(
        "lead", "by"
    )
    page, next_cursor = keyset_page(rows, since=since, since_field="at", cursor=cursor, limit=limit)
    items = [
        {
            "id": event.pk,
            "returnedAt": event.at,
            "leadId": event.lead.lead_id,
            "reason": event.reason,
            "reasonLabel": event.get_reason_display(),
            "note": event.note,
            "returnedBy": _person(event.by),
            "leadStatus": event.lead.status,
        }
        for event in page
    ]
    return json_response({"items": items, "nextCursor": next_cursor})


def _person(user: User | None) -> dict[str, str] | None:
    return {"name": user.get_full_name() or user.username, "email": user.email} if user else None


@router.get(
    "/{leadId}",
    response=LeadState,
    summary="What became of a lead: status, owner, deal",
    openapi_extra=documented(400, 401, 403, 404, 429),
)
def lead_state(request: IntegrationApiRequest, leadId: str) -> HttpResponse:
    integration = request.auth
    lead = Lead.objects.filter(integration=integration, lead_id=leadId).select_related("owner", "team", "deal").first()
    if lead is None:
        raise Http404("This integration sent no lead with this leadId.")
    return json_response(
        {
            "leadId": lead.lead_id,
            "status": lead.status,
            "owner": _person(lead.owner),
            "team": lead.team.name if lead.team else None,
            "deal": {"id": lead.deal.pk, "name": lead.deal.name, "stage": lead.deal.stage} if lead.deal else None,
            "returnReason": lead.return_reason or None,
            "receivedAt": lead.received_at,
            "updatedAt": lead.updated_at,
        }
    )


# ---------------------------------------------------------------------------
# Intake: JSON, idempotency, then the answer (the guards ran in the auth)
# ---------------------------------------------------------------------------
def intake(request: IntegrationApiRequest, *, answer: Answer) -> HttpResponse:
    integration = request.auth
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not 0 < len(key) <= 255:
        raise Problem(
            status=400,
            detail=f"{IDEMPOTENCY_HEADER} must be 1 to 255 characters.",
            errors=[{"path": IDEMPOTENCY_HEADER, "message": "Must be 1 to 255 characters."}],
        )
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem(status=400, detail=f"The body is not valid JSON: {exc}.") from None
    except RecursionError:
        raise Problem(status=400, detail="The body's JSON is nested too deep.") from None
    rules = IntakeRules.cached()
    if key is None:
        return answer(integration, payload, rules)
    digest = request_digest(method=request.method or "", path=request.path, body=request.body)
    try:
        record, fresh = idempotency_claim(integration=integration, key=key, request_digest=digest)
    except IdempotencyInProgress as exc:
        raise Problem(status=409, detail=str(exc)) from None
    except IdempotencyKeyReused as exc:
        raise Problem(
            status=422,
            detail=str(exc),
            errors=[{"path": IDEMPOTENCY_HEADER, "message": "Already used with a different body."}],
        ) from None
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
        "status": result.lead.status,  # type: ignore[union-attr]  # lead_ingest sets an accepted result's lead
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
