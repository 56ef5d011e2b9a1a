"""The pipeline's writes: creating deals, moving them, checking criteria, editing them.

Every function is keyword-only and atomic. A move goes through `deal_transition` only, so
the permission, the criteria, the history row and the side effects are the same whether it
comes from the board, the deal page, the API or admin.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from accounts.models import User
from accounts.outbox import enqueue_on_commit
from pipeline.models import (
    CLOSED_STAGES,
    TRANSITION_METHODS,
    Account,
    CriterionCheck,
    Deal,
    DealStageChange,
    Event,
    LostReason,
    RefusedMove,
    Stage,
    StageCriterion,
)
from pipeline.tasks import announce_deal_closed


class TransitionRefused(Exception):
    """A move that cannot happen now; `missing` lists the unmet criteria when that is why."""

    def __init__(
        self, message: str, *, deal_id: int | None = None, missing: list[StageCriterion] | None = None
    ) -> None:
        super().__init__(message)
        self.deal_id = deal_id
        self.missing = missing or []


class CriteriaMissing(TransitionRefused):
    pass


class ConcurrentChange(TransitionRefused):
    pass


@transaction.atomic
def account_get_or_create(*, name: str, industry: str = "", employee_count: int | None = None) -> Account:
    """The account called `name`; a new one takes `industry` and `employee_count`, an existing one keeps its own.

    Raises ValidationError on bad values for a new account.
    """
    account = Account.objects.filter(name=name).first()
    if account is not None:
        return account
    account = Account(name=name, industry=industry, employee_count=employee_count)
    # The name was just looked up; a parallel insert of it shows as an IntegrityError in the savepoint.
    account.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:
        return Account.objects.get(name=name)
    return account


@transaction.atomic
def deal_create(
    *,
    name: str,
    account: Account,
    owner: User,
    amount: Decimal,
    by: User | None,
    product: str = "",
    expected_close_date: date | None = None,
    currency: str = "USD",
    source: str = "portal",
) -> Deal:
    """Create a deal in LeadIn for `owner` (its team is the owner's) and record its first history row.

    `by` is who created it (None for a system, e.g. a lead converted by the API); `source`
    says where it came from ("lead", "portal", ...). Raises ValidationError on bad values.
    """
    deal = Deal(
        name=name,
        account=account,
        owner=owner,
        team_id=owner.team_id,
        amount=amount,
        currency=currency,
        product=product,
        expected_close_date=expected_close_date,
        source=source,
    )
    # The stage is the state machine's to validate; full_clean would try to assign it.
    deal.full_clean(exclude=["stage"])
    deal.save()
    DealStageChange.objects.create(
        deal=deal, from_stage="", to_stage=Stage.LEAD_IN, event=Event.CREATED, by=by, at=deal.stage_entered_at
    )
    return deal


def deal_transition(
    *, deal: Deal, event: str, by: User, lost_reason: LostReason | None = None, note: str = ""
) -> DealStageChange:
    """Run `event` on `deal` for `by` and record it; return the history row.

    Raises TransitionRefused (not a move from this stage), CriteriaMissing (with the list),
    ConcurrentChange (someone moved the deal since it was loaded), PermissionDenied, or
    ValidationError (DEAL_LOST without an active lost reason). Nothing is stored then, except
    that a CriteriaMissing refusal is recorded as a `RefusedMove` (for the gate-compliance report).
    """
    try:
        return _deal_transition(deal=deal, event=event, by=by, lost_reason=lost_reason, note=note)
    except CriteriaMissing as refused:
        # Outside the move's own transaction, which the refusal rolled back (nothing was written in it).
        refused_move_record(deal=deal, event=event, by=by, missing=refused.missing)
        raise


@transaction.atomic
def refused_move_record(*, deal: Deal, event: str, by: User, missing: list[StageCriterion]) -> RefusedMove:
    """Record that `by` tried `event` on `deal` while `missing` were unconfirmed."""
    refused = RefusedMove(
        deal=deal,
        by=by,
        from_stage=deal.stage,
        to_stage=deal.next_stage or deal.stage,
        event=event,
        missing=[{"id": criterion.pk, "text": criterion.text} for criterion in missing],
    )
    refused.full_clean()
    refused.save()
    return refused


@transaction.atomic
def _deal_transition(*, deal: Deal, event: str, by: User, lost_reason: LostReason | None, note: str) -> DealStageChange:
    if event not in TRANSITION_METHODS:
        raise TransitionRefused(f"{event} is not an event of the deal process.", deal_id=deal.pk)
    method = getattr(deal, TRANSITION_METHODS[event])
    from_stage = deal.stage
    if not can_proceed(method, check_conditions=False):
        raise TransitionRefused(f"{Event(event).label} is not a move from {Stage(from_stage).label}.", deal_id=deal.pk)
    if not deal.is_editable_by(by):
        raise PermissionDenied("You may not move this deal.")

    if event == Event.DEAL_LOST:
        if lost_reason is None or not lost_reason.active:
            raise ValidationError({"lost_reason": "Choose why the deal was lost."})
        method(reason=lost_reason, note=note)
    else:
        missing = deal.missing_criteria()
        if missing:
            texts = "; ".join(c.text for c in missing)
            raise CriteriaMissing(f"Not yet confirmed: {texts}", deal_id=deal.pk, missing=missing)
        # The same rules as django-fsm's condition and permission on the method, which admin and
        # shell callers meet too; checked here first so that the refusal can say what is missing.
        if not has_transition_perm(method, by):
            raise TransitionRefused("The deal changed meanwhile; reload it and try again.", deal_id=deal.pk)
        method()

    # The stage is the state machine's to validate; full_clean would try to assign it.
    deal.full_clean(exclude=["stage"])
    try:
        deal.save()
    except ConcurrentTransition:
        raise ConcurrentChange(
            "The deal was moved by someone else meanwhile; reload it and try again.", deal_id=deal.pk
        ) from None
    change = DealStageChange.objects.create(
        deal=deal, from_stage=from_stage, to_stage=deal.stage, event=event, by=by, at=deal.stage_entered_at, note=note
    )
    if deal.stage in CLOSED_STAGES:
        enqueue_on_commit(announce_deal_closed, change_id=change.pk)
    return change


@transaction.atomic
def criterion_check(*, deal: Deal, criterion: StageCriterion, by: User, evidence: str) -> CriterionCheck:
    """Record that `by` confirmed `criterion` on `deal`, with evidence. Only the next move's criteria count."""
    if not deal.is_editable_by(by):
        raise PermissionDenied("You may not change this deal.")
    if not deal.gating_criteria().filter(pk=criterion.pk).exists():
        raise ValidationError({"criterion": "This criterion does not gate the deal's next move."})
    check = CriterionCheck(deal=deal, criterion=criterion, checked_by=by, evidence=evidence.strip())
    check.full_clean()
    check.save()
    return check


EDITABLE_FIELDS = ["name", "account", "amount", "currency", "product", "expected_close_date"]


@transaction.atomic
def deal_update(*, deal: Deal, by: User, **values: Any) -> Deal:
    """Change a deal's editable fields. Stage, owner and team are never among them."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
    if not deal.is_editable_by(by):
        raise PermissionDenied("You may not change this deal.")
    for name, value in values.items():
        setattr(deal, name, value)
    # The stage is the state machine's to validate; full_clean would try to assign it.
    deal.full_clean(exclude=["stage"])
    try:
        deal.save(update_fields=[*values, "updated_at"])
    except ConcurrentTransition:
        raise ConcurrentChange(
            "The deal was moved by someone else meanwhile; reload it and try again.", deal_id=deal.pk
        ) from None
    return deal
