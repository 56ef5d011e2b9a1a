"""Writes for leads: intake (check, qualify, route, upsert), integrations' keys and the rep's actions.

Checking a payload is `leads.validation`; Idempotency-Keys are `leads.idempotency`.
"""

import bisect
import secrets
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_fsm import can_proceed

from accounts.models import INTEGRATION_SCOPES, ApiKey, User
from accounts.services import api_key_create, api_key_revoke, api_key_rotate
from enablement_portal.db import objects_insert, objects_update
from leads.models import Integration, Lead, LeadEvent, LeadRejection, ReturnReason, RoundRobinCursor, RoutingRule
from leads.validation import DATA_FIELDS, FIELD_PATHS, IntakeResult, IntakeRules, lead_check, payload_digest
from pipeline.models import Deal, Product
from pipeline.services import account_get_or_create, deal_create, deals_reassign, reassignment_reason

CREATED, UPDATED, UNCHANGED, REJECTED = "created", "updated", "unchanged", "rejected"


def lead_ingest(
    *, integration: Integration, payloads: Sequence[Any], rules: IntakeRules | None = None
) -> list[IntakeResult]:
    """Check and store the leads of one request (one lead, or a batch of up to 100).

    Valid leads are created or updated (keyed by integration and leadId); a lead sent again
    unchanged is not written. Invalid ones leave the lead tables alone and become rejections.

    The contract (leads.schemas) is the validation here, in place of `full_clean()` per row: it
    is at least as strict as the model's fields (a test pins that), and cleaning 100 rows again
    would cost a fifth of a batch's time (see bench/leads_intake.py). Pass `rules` read before
    an enclosing transaction, so the transaction (and SQLite's write lock) stays short.
    """
    rules = rules or IntakeRules.cached()
    results = [lead_check(index=i, payload=payload, rules=rules) for i, payload in enumerate(payloads)]
    first_index: dict[str, int] = {}
    for result in results:
        if result.rejected:
            continue
        if result.lead_id in first_index:
            result.reject("leadId", f"Repeats item {first_index[result.lead_id]} of this batch.", "duplicate_in_batch")
        first_index.setdefault(result.lead_id, result.index)
    # A parallel request may create the same leadId between our read and our insert; the retry sees it.
    for attempt in range(3):
        try:
            _store(integration=integration, results=results, rules=rules)
            break
        except IntegrityError:
            if attempt == 2:
                raise
    return results


@transaction.atomic
def _store(*, integration: Integration, results: list[IntakeResult], rules: IntakeRules) -> None:
    now = timezone.now()
    valid = [r for r in results if not r.rejected]
    # Locked (in one order, so two batches cannot deadlock): a rep accepting or returning one of
    # these leads meanwhile waits, and the update below never writes back a stale status.
    existing = {
        lead.lead_id: lead
        for lead in Lead.objects.select_for_update()
        .filter(integration=integration, lead_id__in=[r.lead_id for r in valid])
        .order_by("pk")
    }
    new: list[Lead] = []
    changed: list[Lead] = []
    events: list[LeadEvent] = []
    for result in valid:
        lead = existing.get(result.lead_id)
        if lead is not None and lead.payload_digest == result.digest:
            result.outcome, result.lead = UNCHANGED, lead
            continue
        if lead is None:
            lead = Lead(integration=integration, lead_id=result.lead_id, received_at=now)
        before = {name: getattr(lead, name) for name in DATA_FIELDS}
        for name, value in result.fields.items():
            setattr(lead, name, value)
        lead.raw_payload, lead.payload_digest, lead.updated_at = result.payload, result.digest, now
        result.lead = lead
        if lead.pk is None:
            result.outcome = CREATED
            new.append(lead)
        else:
            result.outcome = UPDATED
            changed.append(lead)
            events.append(_update_event(lead, before=before, after=result.fields, at=now))
    _route(leads=new, routing=rules.routing)
    # One statement per table (enablement_portal.db): no per-row save, no per-value preparation.
    objects_insert(new)
    objects_update(changed, [*DATA_FIELDS, "raw_payload", "payload_digest", "updated_at", "status"])
    objects_insert(events)
    rejected = [r for r in results if r.rejected]
    rejections = [
        LeadRejection(
            integration=integration,
            received_at=now,
            lead_id=r.lead_id,
            reasons=r.reasons,
            errors=r.errors,
            payload_digest=payload_digest(r.payload),
        )
        for r in rejected
    ]
    objects_insert(rejections)
    for result, rejection in zip(rejected, rejections, strict=True):
        result.outcome, result.rejection, result.lead = REJECTED, rejection, None


def _update_event(lead: Lead, *, before: dict[str, Any], after: dict[str, Any], at: datetime) -> LeadEvent:
    """The history row of a lead sent again with changes; a returned lead whose data changed is
    resubmitted: back in its owner's queue, the row saying what changed (contract path, old, new)."""
    names = [name for name in DATA_FIELDS if before[name] != after[name]]
    changes = [{"field": FIELD_PATHS[name], "old": before[name], "new": after[name]} for name in names]
    kind = LeadEvent.Kind.UPDATED
    if names and can_proceed(lead.resubmit):
        lead.resubmit()
        kind = LeadEvent.Kind.RESUBMITTED
    note = ", ".join(FIELD_PATHS[name] for name in names)
    return LeadEvent(lead=lead, kind=kind, at=at, note=note, changes=changes)


def _route(*, leads: list[Lead], routing: list[RoutingRule]) -> None:
    """Give each new lead the team of the first matching rule and the team's next rep in turn."""
    by_team: dict[int, list[Lead]] = defaultdict(list)
    for lead in leads:
        rule = next((r for r in routing if r.matches(industry=lead.industry, employee_count=lead.employee_count)), None)
        if rule is not None:
            lead.team_id, lead.routed_by = rule.team_id, rule
            by_team[rule.team_id].append(lead)
    for team_id, team_leads in by_team.items():
        reps = list(User.objects.reps().filter(team_id=team_id).order_by("pk").values_list("pk", flat=True))
        if not reps:
            continue
        cursor, _ = RoundRobinCursor.objects.select_for_update().get_or_create(team_id=team_id)
        start = bisect.bisect_right(reps, cursor.last_user_id or 0)
        for offset, lead in enumerate(team_leads):
            lead.owner_id = reps[(start + offset) % len(reps)]
        cursor.last_user_id = team_leads[-1].owner_id
        cursor.save(update_fields=["last_user"])


# ---------------------------------------------------------------------------
# Integrations: their API key and signing secret
# ---------------------------------------------------------------------------
def _new_key(*, name: str, created_by: User | None) -> tuple[ApiKey, str]:
    # Key names are unique and an integration may go through several keys. It carries the
    # leads scopes only and acts for no one: whoever issued it lends it none of their rights.
    return api_key_create(name=f"{name} · {secrets.token_hex(3)}", scopes=INTEGRATION_SCOPES, created_by=created_by)


@transaction.atomic
def integration_create(*, name: str, created_by: User | None = None, **options: Any) -> tuple[Integration, str]:
    """Create an integration with its API key; returns the key's token, which is shown only once."""
    integration = Integration(name=name, **options)
    integration.full_clean(exclude=["api_key"])
    api_key, token = _new_key(name=name, created_by=created_by)
    integration.api_key = api_key
    integration.save()
    return integration, token


@transaction.atomic
def integration_issue_key(*, integration: Integration, by: User | None = None) -> str:
    """Replace the integration's key: the old one is revoked at once. Returns the new token."""
    api_key, token = api_key_rotate(api_key=integration.api_key, by=by)
    integration.api_key = api_key
    integration.save(update_fields=["api_key"])
    return token


def integration_revoke_key(*, integration: Integration) -> Integration:
    api_key_revoke(api_key=integration.api_key)
    return integration


def integration_rotate_signing_secret(*, integration: Integration) -> str:
    """Give the integration a new signing secret (requests must then be signed); returns it."""
    integration.signing_secret = secrets.token_urlsafe(32)
    integration.save(update_fields=["signing_secret"])
    return integration.signing_secret


# ---------------------------------------------------------------------------
# What sales does with a lead
# ---------------------------------------------------------------------------
class LeadActionRefused(Exception):
    pass


def _locked(lead: Lead, transition: str, verb: str) -> Lead:
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if not can_proceed(getattr(lead, transition)):
        raise LeadActionRefused(f"A lead that is “{lead.get_status_display()}” cannot be {verb}.")
    return lead


def _claim(lead: Lead, by: User) -> None:
    # Whoever acts on a lead from the unassigned queue takes it.
    if lead.owner_id is None:
        lead.owner = by
        lead.team_id = lead.team_id or by.team_id


@transaction.atomic
def lead_accept(*, lead: Lead, by: User) -> Lead:
    lead = _locked(lead, "accept", "accepted")
    lead.accept()
    _claim(lead, by)
    lead.updated_at = timezone.now()
    lead.full_clean()
    lead.save()
    LeadEvent.objects.create(lead=lead, kind=LeadEvent.Kind.ACCEPTED, by=by)
    return lead


@transaction.atomic
def lead_return(*, lead: Lead, by: User, reason: str, note: str = "") -> Lead:
    """Send a lead back to marketing; the reason shows in the quality report."""
    note = note.strip()
    if reason not in ReturnReason.values:
        raise ValidationError({"reason": "Choose why the lead goes back to marketing."})
    if reason == ReturnReason.OTHER and not note:
        raise ValidationError({"note": "Say what is wrong when the reason is “Other”."})
    lead = _locked(lead, "return_to_marketing", "returned")
    lead.return_to_marketing(reason=reason, note=note)
    _claim(lead, by)
    lead.updated_at = timezone.now()
    lead.full_clean()
    lead.save()
    LeadEvent.objects.create(lead=lead, kind=LeadEvent.Kind.RETURNED, by=by, reason=reason, note=note)
    return lead


@transaction.atomic
def lead_convert(
    *,
    lead: Lead,
    by: User,
    amount: Decimal = Decimal("0"),
    name: str = "",
    product: Product | None = None,
    expected_close_date: date | None = None,
) -> Lead:
    """Create a Deal in LeadIn for the lead's company, owned by the lead's owner, and link it.

    `product` is one of the managed list (pipeline.Product); a retired one is refused (ValidationError).
    """
    if product is not None and not product.is_active:
        raise ValidationError({"product": f"{product} is no longer offered; choose a product of the list."})
    lead = _locked(lead, "convert", "converted")
    _claim(lead, by)
    # _claim gave an unowned lead to `by`.
    owner = lead.owner or by
    account = account_get_or_create(name=lead.company_name, industry=lead.industry, employee_count=lead.employee_count)
    deal = deal_create(
        name=name.strip() or f"{lead.company_name} — {lead.full_name}",
        account=account,
        owner=owner,
        amount=amount,
        product=product,
        expected_close_date=expected_close_date,
        by=by,
        source="lead",
    )
    lead.convert(deal=deal)
    lead.updated_at = timezone.now()
    lead.full_clean()
    lead.save()
    LeadEvent.objects.create(lead=lead, kind=LeadEvent.Kind.CONVERTED, by=by, note=deal.name)
    return lead


# ---------------------------------------------------------------------------
# Reassignment: a lead changes hands; a leaving rep's book is handed over
# ---------------------------------------------------------------------------
@transaction.atomic
def lead_reassign(*, lead: Lead, new_owner: User, reason: str, by: User) -> Lead:
    """Give `lead` to `new_owner` (it joins their team) and record it as a lead event.

    Raises PermissionDenied (the rule leads.reassign_lead) or ValidationError (no reason; the
    new owner is not an active rep or manager of `by`'s team, or already owns the lead).
    """
    if lead.owner_id == new_owner.pk:
        raise ValidationError({"new_owner": f"{new_owner} already owns this lead."})
    leads_reassign(leads=Lead.objects.filter(pk=lead.pk), new_owner=new_owner, reason=reason, by=by)
    lead.refresh_from_db(fields=["owner", "team", "updated_at"])
    return lead


@transaction.atomic
def leads_reassign(*, leads: QuerySet[Lead], new_owner: User, reason: str, by: User) -> int:
    """Give every lead of `leads` to `new_owner` in one update, with one event each; return the count.

    All or nothing, with the errors of `lead_reassign`; leads `new_owner` already owns are skipped.
    """
    reason = reassignment_reason(new_owner=new_owner, reason=reason, by=by)
    rows = list(
        leads.exclude(owner_id=new_owner.pk)
        .order_by("pk")
        .select_for_update(of=("self",))
        .values_list("pk", "owner__first_name", "owner__last_name", "owner__username")
    )
    if not rows:
        return 0
    ids = [row[0] for row in rows]
    if Lead.objects.reassignable_by(by).filter(pk__in=ids).count() != len(ids):
        raise PermissionDenied("You may not reassign some of these leads.")
    now = timezone.now()
    Lead.objects.filter(pk__in=ids).update(owner_id=new_owner.pk, team_id=new_owner.team_id, updated_at=now)
    LeadEvent.objects.bulk_create(
        LeadEvent(
            lead_id=pk,
            kind=LeadEvent.Kind.REASSIGNED,
            by=by,
            at=now,
            note=f"{_name(first, last, username)} → {new_owner}: {reason}",
        )
        for pk, first, last, username in rows
    )
    return len(ids)


def _name(first: str | None, last: str | None, username: str | None) -> str:
    if username is None:
        return "the queue"
    return f"{first or ''} {last or ''}".strip() or username


@transaction.atomic
def owner_hand_over(
    *, deals: QuerySet[Deal], leads: QuerySet[Lead], new_owner: User, reason: str, by: User
) -> tuple[int, int]:
    """Hand a set of deals and leads to `new_owner` at once (a rep leaves): all of it or none of it.

    Returns (deals, leads) reassigned; raises as `deals_reassign` and `leads_reassign`.
    """
    return (
        deals_reassign(deals=deals, new_owner=new_owner, reason=reason, by=by),
        leads_reassign(leads=leads, new_owner=new_owner, reason=reason, by=by),
    )
