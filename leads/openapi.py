"""The leads API's OpenAPI text: the answers' schemas, the headers, and the problems each operation documents.

The endpoints read the body themselves (see `leads/api.py`), so the request body's schema is
given here from the same pydantic models that validate it.
"""

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from enablement_portal.problems import documented_problems
from leads.schemas import MAX_BATCH, LeadIn, inline_json_schema

IDEMPOTENCY_HEADER = "Idempotency-Key"


class Issue(Schema):
    path: str
    message: str


class LeadAccepted(Schema):
    leadId: str
    outcome: str = Field(description="created, updated or unchanged")
    status: str = Field(description="The lead's status: mql, accepted, returned, resubmitted or converted")
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


class Return(Schema):
    id: int
    returnedAt: datetime
    leadId: str
    reason: str = Field(description="not_a_fit, bad_contact, no_interest, duplicate, student_or_competitor or other")
    reasonLabel: str
    note: str = Field(description="What the rep wrote (may be empty)")
    returnedBy: Person | None
    leadStatus: str = Field(description="The lead's status now: returned until it is sent again with changes")


class ReturnPage(Schema):
    items: list[Return]
    nextCursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


LEAD_SCHEMA = inline_json_schema(LeadIn)
BATCH_SCHEMA = {
    "type": "object",
    "required": ["leads"],
    "properties": {"leads": {"type": "array", "minItems": 1, "maxItems": MAX_BATCH, "items": LEAD_SCHEMA}},
}
PROBLEMS = {
    400: "Unparsable or too deeply nested JSON, a bad Idempotency-Key, or a NUL character in the URL",
    401: "No key, a wrong key, or a bad signature",
    403: "A revoked key, one without the scope, or one that is not an integration's",
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
        "responses": documented_problems(*codes, descriptions=PROBLEMS),
    }
    if body is not None:
        media = {"schema": body, "example": example}
        extra["requestBody"] = {"required": True, "content": {"application/json": media}}
    return extra
