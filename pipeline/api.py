"""`/api/v1/deals`: read deals and move them, as a person (never as an anonymous system).

Authentication: a portal session (browser; unsafe methods need the CSRF token), or an API key
with the `deals:read` / `deals:write` scope that acts for a person: the person's `for_user`
rules apply, so another team's deal is a 404. Errors are raised and mapped by the API root.
"""

import base64
import binascii
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from pydantic import AfterValidator

from accounts.auth import PersonAuth
from accounts.http import PersonApiRequest
from accounts.models import Scope, User
from accounts.rules import is_rep
from enablement_portal.periods import month_of
from enablement_portal.problems import documented_problems, field_paths
from pipeline.models import (
    TRANSITION_EVENTS,
    CriterionCheck,
    Deal,
    DealStageChange,
    LostReason,
    Product,
    Stage,
    StageCriterion,
)
from pipeline.selectors import gate, unknown_product_message
from pipeline.services import criterion_check, criterion_uncheck, deal_create_for, deal_transition

router = Router(tags=["deals"], auth=PersonAuth(Scope.DEALS_READ))

# Literals built from the enums at import time, so the schema lists the values; a type checker
# cannot evaluate them and reads them as the strings they are.
if TYPE_CHECKING:
    TransitionEvent = str
    StageName = str
else:
    TransitionEvent = Literal[tuple(e.value for e in TRANSITION_EVENTS)]
    StageName = Literal[tuple(s.value for s in Stage)]
MAX_LIMIT = 200


class DealOut(Schema):
    id: int
    name: str
    account: str = Field(alias="account.name")
    owner: str = Field(alias="owner.username")
    team: str | None = Field(None, alias="team.name")
    amount: Decimal
    currency: str
    product: str = Field(description="The product's name; empty when the deal names none")
    expected_close_date: date | None
    stage: str
    stage_entered_at: datetime
    lost_at_stage: str
    lost_reason: str | None = Field(None, alias="lost_reason.name")
    closed_at: datetime | None
    external_id: str | None
    created_at: datetime

    @staticmethod
    def resolve_product(deal: Deal) -> str:
        return deal.product.name if deal.product else ""


class DealPage(Schema):
    items: list[DealOut]
    next_cursor: str | None


class CriterionOut(Schema):
    id: int
    text: str
    stage: str
    kind: str
    checked: bool
    checked_by: str | None
    checked_at: datetime | None
    evidence: str


class ChangeOut(Schema):
    from_stage: str
    to_stage: str
    event: str
    by: str | None = Field(None, alias="by.username")
    at: datetime
    imported: bool


class DealDetailOut(DealOut):
    next_move_criteria: list[CriterionOut]
    history: list[ChangeOut]


def month_bounds(value: str) -> tuple[date, date]:
    """'2026-03' -> (its first day, the next month's first day)."""
    return month_of(date.fromisoformat(f"{value}-01"))


def _calendar_month(value: str) -> str:
    try:
        month_bounds(value)
    except (ValueError, OverflowError):
        raise ValueError("Must be a month from 0001-01 to 9999-11.") from None
    return value


CloseMonth = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$"), AfterValidator(_calendar_month)]


class DealFilters(Schema):
    stage: StageName | None = None
    owner: str | None = Field(None, max_length=150, description="Owner's username")
    # Within a database id's range: SQLite raises OverflowError on a larger number.
    team: int | None = Field(None, ge=1, le=2**63 - 1, description="Team id")
    product: str | None = Field(None, max_length=100, description="Product name (any case)")
    close_month: CloseMonth | None = Field(None, description="YYYY-MM (expected close)")
    cursor: str | None = Field(None, description="next_cursor of the previous page")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)


class DealIn(Schema):
    account: str = Field(min_length=1, max_length=200, description="An account's name: an existing one, or a new one")
    product: str = Field(min_length=1, max_length=100, description="A product of the list, by name (any case)")
    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$", description="ISO 4217 code")
    expected_close_date: date
    owner: str | None = Field(
        None, max_length=150, description="The owner's username; the caller when absent. A rep creates for themselves."
    )
    name: str = Field("", max_length=200, description="Blank: account · product")


class TransitionIn(Schema):
    event: TransitionEvent
    lost_reason_id: int | None = Field(None, description="Required for DEAL_LOST: an active lost reason")
    note: str = Field(
        "", max_length=2000, description="Required for MOVED_BACK and REOPENED: why (kept in the deal's history)"
    )


# Within a database id's range: SQLite raises OverflowError on a larger number.
CriterionId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class CheckIn(Schema):
    criterion: CriterionId = Field(description="Id of a criterion of the deal's next move (next_move_criteria)")
    evidence: str = Field(min_length=1, max_length=2000, description="What shows the criterion holds")


class CheckOut(Schema):
    criterion: int
    text: str
    checked_by: str
    checked_at: datetime
    evidence: str
    missing_criteria: list[int] = Field(description="Criteria of the next move still not confirmed")


class UncheckOut(Schema):
    criterion: int
    text: str
    withdrawn_by: str
    withdrawn_at: datetime
    reason: str
    missing_criteria: list[int] = Field(description="Criteria of the next move still not confirmed")


class UncheckQuery(Schema):
    reason: str = Field(min_length=1, max_length=2000, description="Why the confirmation is withdrawn (required)")


class TransitionOut(Schema):
    id: int
    stage: str
    from_stage: str
    event: str
    at: datetime


def encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"deal:{pk}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        kind, _, pk = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind != "deal":
            raise ValueError(kind)
        return int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationError({"cursor": "Not a cursor this API gave out."}) from None


@router.get("", response=DealPage, summary="Deals the caller may see, newest first (keyset pagination)")
def list_deals(request: PersonApiRequest, filters: Query[DealFilters]) -> dict[str, Any]:
    deals = Deal.objects.for_user(request.auth).select_related("account", "owner", "team", "lost_reason", "product")
    if filters.stage:
        deals = deals.filter(stage=filters.stage)
    if filters.owner:
        deals = deals.filter(owner__username=filters.owner)
    if filters.team:
        deals = deals.filter(team_id=filters.team)
    if filters.product:
        deals = deals.filter(product__name__iexact=filters.product)
    if filters.close_month:
        start, end = month_bounds(filters.close_month)
        deals = deals.filter(expected_close_date__gte=start, expected_close_date__lt=end)
    if filters.cursor:
        deals = deals.filter(pk__lt=decode_cursor(filters.cursor))
    page = list(deals.order_by("-pk")[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    return {"items": page, "next_cursor": encode_cursor(page[-1].pk) if more else None}


def _detail(deal: Deal) -> Deal:
    criteria = [
        {
            "id": item.criterion.pk,
            "text": item.criterion.text,
            "stage": item.criterion.stage,
            "kind": item.criterion.kind,
            "checked": item.check is not None,
            "checked_by": item.check.checked_by.username if item.check else None,
            "checked_at": item.check.checked_at if item.check else None,
            "evidence": item.check.evidence if item.check else "",
        }
        for item in gate(deal)
    ]
    # DealDetailOut reads these two off the deal beside its fields.
    deal.next_move_criteria = criteria  # type: ignore[attr-defined]
    deal.history = list(DealStageChange.objects.filter(deal=deal).select_related("by"))  # type: ignore[attr-defined]
    return deal


@router.get("/{int:deal_id}", response=DealDetailOut, summary="One deal, its next move's criteria and history")
def get_deal(request: PersonApiRequest, deal_id: int) -> Deal:
    deals = Deal.objects.for_user(request.auth).select_related("account", "owner", "team", "lost_reason", "product")
    return _detail(get_object_or_404(deals, pk=deal_id))


def _owner_for(request: PersonApiRequest, username: str | None) -> User:
    """Whom the new deal is for: the caller, or a person the caller sees (404 otherwise, like
    another team's deal). A rep is refused another owner outright (403): they see no one else."""
    caller = request.auth
    if username is None or username == caller.username:
        return caller
    if is_rep(caller):
        raise PermissionDenied("A rep creates deals for themselves only: leave out owner or give your own username.")
    return get_object_or_404(User.objects.for_user(caller), username=username)


@router.post(
    "",
    response={201: DealOut},
    auth=PersonAuth(Scope.DEALS_WRITE, permission="pipeline.create_deal"),
    summary="Create a deal in LeadIn: for the caller, a person of a manager's team, or (an admin) anyone",
    openapi_extra={"responses": documented_problems(404, descriptions={404: "No such owner the caller may see"})},
)
def post_deal(request: PersonApiRequest, payload: DealIn) -> tuple[int, Deal]:
    owner = _owner_for(request, payload.owner)
    product = Product.objects.named(payload.product)
    if product is None or not product.is_active:
        raise ValidationError({"product": unknown_product_message(payload.product)})
    with field_paths({"account": "account", "product": "product"}):
        deal = deal_create_for(
            by=request.auth,
            owner=owner,
            account_name=payload.account,
            product=product,
            amount=payload.amount,
            currency=payload.currency,
            expected_close_date=payload.expected_close_date,
            name=payload.name,
        )
    return 201, Deal.objects.select_related("account", "owner", "team", "lost_reason", "product").get(pk=deal.pk)


@router.post(
    "/{int:deal_id}/transitions",
    response={200: TransitionOut},
    auth=PersonAuth(Scope.DEALS_WRITE),
    summary="Move a deal: 409 lists unmet criteria or reports a concurrent change",
    openapi_extra={"responses": documented_problems(409)},
)
def post_transition(request: PersonApiRequest, deal_id: int, payload: TransitionIn) -> dict[str, Any]:
    deal = get_object_or_404(Deal.objects.for_user(request.auth), pk=deal_id)
    reason = None
    if payload.lost_reason_id is not None:
        reason = LostReason.objects.filter(pk=payload.lost_reason_id, active=True).first()
        if reason is None:
            raise ValidationError({"lost_reason_id": "No active lost reason has this id."})
    with field_paths({"lost_reason": "lost_reason_id"}):
        change = deal_transition(deal=deal, event=payload.event, by=request.auth, lost_reason=reason, note=payload.note)
    return {"id": deal.pk, "stage": deal.stage, "from_stage": change.from_stage, "event": change.event, "at": change.at}


def _criterion(criterion_id: int) -> StageCriterion:
    criterion = StageCriterion.objects.active().filter(pk=criterion_id).first()
    if criterion is None:
        raise ValidationError({"criterion": "No active criterion has this id."})
    return criterion


@router.post(
    "/{int:deal_id}/checks",
    response={201: CheckOut},
    auth=PersonAuth(Scope.DEALS_WRITE),
    summary="Confirm a criterion of the deal's next move, with evidence",
    description="The criterion must gate the deal's next move and not be confirmed yet (else 422, path "
    "`criterion`). Another team's deal is a 404; a move still refused afterwards is a 409 of "
    "`POST /deals/{id}/transitions`.",
)
def post_check(request: PersonApiRequest, deal_id: int, payload: CheckIn) -> Status:
    deal = get_object_or_404(Deal.objects.for_user(request.auth), pk=deal_id)
    check = criterion_check(
        deal=deal, criterion=_criterion(payload.criterion), by=request.auth, evidence=payload.evidence
    )
    return Status(
        201,
        {
            "criterion": check.criterion_id,
            "text": check.criterion.text,
            "checked_by": request.auth.username,
            "checked_at": check.checked_at,
            "evidence": check.evidence,
            "missing_criteria": [c.pk for c in deal.missing_criteria()],
        },
    )


@router.delete(
    "/{int:deal_id}/checks/{int:criterion_id}",
    response={200: UncheckOut},
    auth=PersonAuth(Scope.DEALS_WRITE),
    summary="Withdraw a criterion's confirmation; the reason is a query parameter",
    description="`?reason=` is required and kept in the deal's activity. A criterion not confirmed on "
    "the deal, or another team's deal, is a 404.",
)
def delete_check(
    request: PersonApiRequest, deal_id: int, criterion_id: int, query: Query[UncheckQuery]
) -> dict[str, Any]:
    deal = get_object_or_404(Deal.objects.for_user(request.auth), pk=deal_id)
    criterion = get_object_or_404(StageCriterion.objects.all(), pk=criterion_id)
    try:
        activity = criterion_uncheck(deal=deal, criterion=criterion, by=request.auth, reason=query.reason)
    except CriterionCheck.DoesNotExist:
        raise Http404("This criterion is not confirmed on the deal.") from None
    return {
        "criterion": criterion.pk,
        "text": criterion.text,
        "withdrawn_by": request.auth.username,
        "withdrawn_at": activity.at,
        "reason": activity.note,
        "missing_criteria": [c.pk for c in deal.missing_criteria()],
    }
