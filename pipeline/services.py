"""The pipeline's writes: creating deals, moving them, checking criteria, editing them.

Every function is keyword-only and atomic. A move goes through `deal_transition` only, so
the permission, the criteria, the history row and the side effects are the same whether it
comes from the board, the deal page, the API or admin.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from accounts.models import Role, User
from accounts.outbox import enqueue_on_commit
from enablement_portal.db import found_or_saved
from pipeline.models import (
    CLOSED_STAGES,
    REASON_EVENTS,
    SALES_ROLES,
    TRANSITION_METHODS,
    Account,
    CriterionCheck,
    Deal,
    DealActivity,
    DealStageChange,
    Event,
    LostReason,
    Product,
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
    name = " ".join(name.split())
    # "acme corp" is the account "Acme Corp": a difference of case never makes a second account.
    new = Account(name=name, industry=industry, employee_count=employee_count)
    return found_or_saved(Account.objects.filter(name__iexact=name), new)


@transaction.atomic
def deal_create(
    *,
    name: str,
    account: Account,
    owner: User,
    amount: Decimal,
    by: User | None,
    product: Product | None = None,
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


@transaction.atomic
def deal_create_for(
    *,
    by: User,
    owner: User,
    account_name: str,
    product: Product | None,
    amount: Decimal,
    currency: str = "USD",
    expected_close_date: date | None = None,
    name: str = "",
) -> Deal:
    """A deal `by` creates in the portal for `owner`, on the account called `account_name` (created
    if new), selling a product of the list. Starts in LeadIn with its first history row.

    Raises PermissionDenied (the rule pipeline.create_deal_for: a rep for themselves, a manager
    for their team, an admin for anyone) or ValidationError (field by field). Nothing is stored then.
    """
    if not by.has_perm("pipeline.create_deal_for", owner):
        raise PermissionDenied(f"You may not create a deal for {owner}.")
    errors = {}
    if not owner.is_active or owner.role not in SALES_ROLES:
        errors["owner"] = f"{owner} does not sell: a deal's owner is an active rep or manager."
    if product is None or not product.is_active:
        errors["product"] = "Choose a product of the list."
    if not " ".join(account_name.split()):
        errors["account"] = "Name the account (an existing one, or a new one to create)."
    if errors:
        raise ValidationError(errors)
    assert product is not None  # for the type checker: refused above
    account = account_get_or_create(name=account_name)
    return deal_create(
        name=name.strip() or f"{account.name} · {product.name}",
        account=account,
        owner=owner,
        amount=amount,
        by=by,
        product=product,
        expected_close_date=expected_close_date,
        currency=currency,
        source="portal",
    )


def deal_transition(
    *, deal: Deal, event: str, by: User, lost_reason: LostReason | None = None, note: str = ""
) -> DealStageChange:
    """Run `event` on `deal` for `by` and record it; return the history row.

    Raises TransitionRefused (not a move from this stage), CriteriaMissing (with the list),
    ConcurrentChange (someone moved the deal since it was loaded), PermissionDenied, or
    ValidationError (DEAL_LOST without an active lost reason; MOVED_BACK or REOPENED without a
    reason in `note`). Nothing is stored then, except that a CriteriaMissing refusal is recorded
    as a `RefusedMove` (for the gate-compliance report).
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
    elif event in REASON_EVENTS:
        # Undoing a step or reviving a lost deal needs no criteria, but always a reason.
        note = note.strip()
        if not note:
            raise ValidationError({"note": "Say why the deal goes back."})
        if not can_proceed(method) or not has_transition_perm(method, by):
            raise TransitionRefused(f"{Event(event).label} is not possible for this deal now.", deal_id=deal.pk)
        method()
    else:
        # django-fsm's condition on the method (which admin and shell callers meet too) checks the
        # criteria again; checked here first so that the refusal can say what is missing. Its
        # permission is `is_editable_by`, checked above.
        missing = deal.missing_criteria()
        if missing:
            texts = "; ".join(c.text for c in missing)
            raise CriteriaMissing(f"Not yet confirmed: {texts}", deal_id=deal.pk, missing=missing)
        method()

    # The stage is the state machine's to validate (full_clean would try to assign it); the
    # relations no move changes are not looked up again (a query each).
    deal.full_clean(exclude=["stage", "account", "owner", "team", "product"])
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
    if CriterionCheck.objects.filter(deal=deal, criterion=criterion).exists():
        raise ValidationError({"criterion": "This criterion is already confirmed on the deal."})
    check = CriterionCheck(deal=deal, criterion=criterion, checked_by=by, evidence=evidence.strip())
    check.full_clean()
    check.save()
    return check


@transaction.atomic
def criterion_uncheck(*, deal: Deal, criterion: StageCriterion, by: User, reason: str) -> DealActivity:
    """Withdraw the confirmation of `criterion` on `deal`, with a reason kept in the deal's activity.

    Raises PermissionDenied, ValidationError (no reason given) or CriterionCheck.DoesNotExist
    (the criterion is not confirmed on the deal).
    """
    if not deal.is_editable_by(by):
        raise PermissionDenied("You may not change this deal.")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the confirmation is withdrawn."})
    check = CriterionCheck.objects.select_for_update().get(deal=deal, criterion=criterion)
    check.delete()
    activity = DealActivity(
        deal=deal, kind=DealActivity.Kind.UNCHECKED, by=by, note=reason, criterion=criterion, at=timezone.now()
    )
    activity.full_clean()
    activity.save()
    return activity


# ---------------------------------------------------------------------------
# Reassignment: a deal changes hands (one, or a leaving rep's whole book)
# ---------------------------------------------------------------------------
OWNER_ROLES = (Role.REP, Role.MANAGER)


def new_owner_problems(*, new_owner: User, by: User) -> list[str]:
    """Why `new_owner` cannot take deals or leads handed over by `by` (empty: they can).

    An owner is an active rep or manager of a team; a manager hands over within the team only.
    """
    if not new_owner.is_active or new_owner.role not in OWNER_ROLES or new_owner.team_id is None:
        return [f"{new_owner} is not an active rep or manager of a team."]
    if not by.is_enablement_admin and new_owner.team_id != by.team_id:
        return [f"{new_owner} is not on your team."]
    return []


def owners_assignable_by(user: User) -> QuerySet[User]:
    """Who `user` may hand deals and leads to: active reps and managers (of their team for a manager)."""
    people = User.objects.filter(is_active=True, role__in=OWNER_ROLES, team__isnull=False)
    if not user.is_enablement_admin:
        people = people.filter(team_id=user.team_id) if user.team_id else people.none()
    return people.select_related("team").order_by("first_name", "last_name", "username")


def reassignment_reason(*, new_owner: User, reason: str, by: User) -> str:
    """The reason, stripped, for `by` handing something to `new_owner`; ValidationError when either is wrong."""
    reason = reason.strip()
    errors = {}
    if not reason:
        errors["reason"] = ["Say why the owner changes."]
    if problems := new_owner_problems(new_owner=new_owner, by=by):
        errors["new_owner"] = problems
    if errors:
        raise ValidationError(errors)
    return reason


@transaction.atomic
def deal_reassign(*, deal: Deal, new_owner: User, reason: str, by: User) -> Deal:
    """Give `deal` to `new_owner` (the deal joins their team) and record who did it and why.

    Raises PermissionDenied (`by` may not reassign the deal: the rule pipeline.reassign_deal) or
    ValidationError (no reason; `new_owner` not an active rep or manager, or not of `by`'s team).
    """
    if deal.owner_id == new_owner.pk:
        raise ValidationError({"new_owner": f"{new_owner} already owns this deal."})
    deals_reassign(deals=Deal.objects.filter(pk=deal.pk), new_owner=new_owner, reason=reason, by=by)
    deal.refresh_from_db(fields=["owner", "team", "updated_at"])
    return deal


@transaction.atomic
def deals_reassign(*, deals: QuerySet[Deal], new_owner: User, reason: str, by: User) -> int:
    """Give every deal of `deals` to `new_owner` in one update, with one activity row each; return the count.

    All or nothing: PermissionDenied when `by` may not reassign one of them, ValidationError as
    `deal_reassign`. Deals already owned by `new_owner` are left as they are (and not counted).
    """
    reason = reassignment_reason(new_owner=new_owner, reason=reason, by=by)
    # Locked, so a deal moved meanwhile is not handed over twice or from a stale owner.
    rows = list(deals.exclude(owner_id=new_owner.pk).order_by("pk").select_for_update().values_list("pk", "owner_id"))
    if not rows:
        return 0
    ids = [pk for pk, _ in rows]
    if Deal.objects.reassignable_by(by).filter(pk__in=ids).count() != len(ids):
        raise PermissionDenied("You may not reassign some of these deals.")
    now = timezone.now()
    Deal.objects.filter(pk__in=ids).update(owner_id=new_owner.pk, team_id=new_owner.team_id, updated_at=now)
    DealActivity.objects.bulk_create(
        DealActivity(
            deal_id=pk,
            kind=DealActivity.Kind.REASSIGNED,
            by=by,
            at=now,
            note=reason,
            from_owner_id=owner_id,
            to_owner_id=new_owner.pk,
        )
        for pk, owner_id in rows
    )
    return len(ids)


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
