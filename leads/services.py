"""Writes for leads: intake (check, qualify, route, upsert), the rep's actions, idempotency keys."""

import bisect
import hashlib
import json
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import can_proceed
from pydantic import ValidationError as PydanticValidationError

from accounts.models import INTEGRATION_SCOPES, ApiKey, User
from accounts.services import api_key_create, api_key_revoke, api_key_rotate
from enablement_portal.problems import error_path
from leads.models import (
    IdempotencyRecord,
    Integration,
    Lead,
    LeadEvent,
    LeadRejection,
    QualificationCriterion,
    QualificationRule,
    ReturnReason,
    RoundRobinCursor,
    RoutingRule,
)
from leads.schemas import LeadIn, unknown_fields
from pipeline.models import Account
from pipeline.services import deal_create

CREATED, UPDATED, UNCHANGED, REJECTED = "created", "updated", "unchanged", "rejected"

# Where each stored field comes from in the contract, to report a model-level error by its path.
FIELD_PATHS = {
    "source": "source",
    "email": "contactInfo.email",
    "first_name": "contactInfo.firstName",
    "last_name": "contactInfo.lastName",
    "job_title": "contactInfo.jobTitle",
    "company_name": "firmographics.companyName",
    "industry": "firmographics.industry",
    "employee_count": "firmographics.employeeCount",
    "engagement_score": "engagementScore",
    "criteria": "qualificationCriteriaMet",
    "lead_id": "leadId",
}
DATA_FIELDS = [name for name in FIELD_PATHS if name != "lead_id"]
IDEMPOTENCY_STALE_AFTER = timedelta(seconds=60)
IDEMPOTENCY_KEEP = timedelta(hours=48)


def payload_digest(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def request_digest(*, method: str, path: str, body: bytes) -> str:
    """What an Idempotency-Key is bound to: the method, the path and the exact bytes of the body."""
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def storable(text: str) -> str:
    # Paths and ids echo what was sent; PostgreSQL cannot store a NUL character in text.
    return text.replace("\x00", "\ufffd")


def reason_for(error_type: str, path: str) -> str:
    """The reason code for one pydantic error, as the quality report groups them."""
    if error_type == "missing":
        return "missing_field"
    if error_type.endswith(("_type", "_parsing")):
        return "wrong_type"
    if error_type in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return "out_of_range"
    if error_type in {"string_too_short", "string_too_long", "too_short", "too_long"}:
        return "invalid_length"
    if path == "contactInfo.email":
        return "invalid_email"
    return "invalid"


@dataclass
class IntakeRules:
    """What a lead is checked against, read once per request."""

    criteria: frozenset[str]
    qualification: list[tuple[QualificationRule, list[str]]]
    routing: list[RoutingRule]

    @classmethod
    def load(cls) -> "IntakeRules":
        rules = QualificationRule.objects.filter(active=True).prefetch_related("required_criteria")
        return cls(
            criteria=frozenset(QualificationCriterion.objects.active().values_list("code", flat=True)),
            qualification=[(rule, [c.code for c in rule.required_criteria.all()]) for rule in rules],
            routing=list(RoutingRule.objects.filter(active=True)),
        )


@dataclass
class IntakeResult:
    """What became of one lead of a request."""

    index: int
    payload: Any
    lead_id: str = ""
    outcome: str = ""
    lead: Lead | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    digest: str = ""
    errors: list[dict[str, str]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    failed_rules: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    rejection: LeadRejection | None = None

    @property
    def rejected(self) -> bool:
        return bool(self.errors)

    def reject(self, path: str, message: str, reason: str) -> None:
        self.errors.append({"path": storable(path), "message": storable(message)})
        if reason not in self.reasons:
            self.reasons.append(reason)


def lead_fields(lead_in: LeadIn) -> dict[str, Any]:
    contact, firm = lead_in.contactInfo, lead_in.firmographics
    return {
        "source": lead_in.source,
        "email": str(contact.email),
        "first_name": contact.firstName,
        "last_name": contact.lastName,
        "job_title": contact.jobTitle,
        "company_name": firm.companyName,
        "industry": firm.industry,
        "employee_count": firm.employeeCount,
        "engagement_score": lead_in.engagementScore,
        "criteria": list(dict.fromkeys(lead_in.qualificationCriteriaMet)),
    }


def lead_check(*, index: int, payload: Any, rules: IntakeRules) -> IntakeResult:
    """Check one payload against the contract, the criteria registry and the qualification rules."""
    # Imported here: the API root imports the leads router, which imports this module.

    result = IntakeResult(index=index, payload=payload)
    if isinstance(payload, dict) and isinstance(payload.get("leadId"), str):
        result.lead_id = storable(payload["leadId"].strip()[:64])
    result.warnings = [{"path": path, "message": "Unknown field, ignored."} for path in unknown_fields(payload)]
    lead_in = None
    try:
        lead_in = LeadIn.model_validate(payload)
    except PydanticValidationError as exc:
        for error in exc.errors(include_url=False):
            path = error_path(error["loc"])
            result.reject(path, error["msg"], reason_for(error["type"], path))
    criteria = payload.get("qualificationCriteriaMet") if isinstance(payload, dict) else None
    for position, code in enumerate(criteria if isinstance(criteria, list) else []):
        if isinstance(code, str) and code.strip() and code.strip() not in rules.criteria:
            result.reject(
                f"qualificationCriteriaMet[{position}]",
                f"Unknown criterion; the known ones are: {', '.join(sorted(rules.criteria))}.",
                "unknown_criterion",
            )
    for path in nul_paths(payload):
        result.reject(path, "Must not contain NUL characters.", "invalid")
    if lead_in is None or result.rejected:
        return result
    result.fields = lead_fields(lead_in)
    result.digest = payload_digest(result.fields)
    for rule, code, path, message in qualification_failures(lead_in=lead_in, rules=rules):
        result.reject(path, message, "not_qualified")
        result.failed_rules.append({"rule": rule.name, "check": code, "message": message})
    return result


def nul_paths(value: Any, path: str = "") -> list[str]:
    """Where the payload holds a NUL character, which PostgreSQL cannot store in text or JSON."""
    if isinstance(value, str):
        return [path] if "\x00" in value else []
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in nul_paths(item, f"{path}[{i}]")]
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            found += [child] if "\x00" in str(key) else nul_paths(item, child)
        return found
    return []


def qualification_failures(*, lead_in: LeadIn, rules: IntakeRules) -> list[tuple[QualificationRule, str, str, str]]:
    failures = []
    domain = str(lead_in.contactInfo.email).rsplit("@", 1)[-1].lower()
    for rule, required in rules.qualification:
        minimum = rule.min_engagement_score
        if minimum is not None and lead_in.engagementScore < minimum:
            message = f"Must be at least {minimum} (rule “{rule.name}”)."
            failures.append((rule, "min_engagement_score", "engagementScore", message))
        missing = [code for code in required if code not in lead_in.qualificationCriteriaMet]
        if missing:
            message = f"Must include {', '.join(missing)} (rule “{rule.name}”)."
            failures.append((rule, "required_criteria", "qualificationCriteriaMet", message))
        for blocked in rule.blocked_domains:
            if domain == blocked or domain.endswith(f".{blocked}"):
                message = f"Addresses at {blocked} are not accepted (rule “{rule.name}”)."
                failures.append((rule, "blocked_email_domain", "contactInfo.email", message))
    return failures


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
    rules = rules or IntakeRules.load()
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
    existing = {
        lead.lead_id: lead
        for lead in Lead.objects.filter(integration=integration, lead_id__in=[r.lead_id for r in valid])
    }
    new, changed, events = [], [], []
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
            names = [FIELD_PATHS[name] for name in DATA_FIELDS if before[name] != result.fields[name]]
            events.append(LeadEvent(lead=lead, kind=LeadEvent.Kind.UPDATED, at=now, note=", ".join(names)))
    _route(leads=new, routing=rules.routing)
    Lead.objects.bulk_create(new)
    Lead.objects.bulk_update(changed, [*DATA_FIELDS, "raw_payload", "payload_digest", "updated_at"])
    LeadEvent.objects.bulk_create(events)
    rejected = [r for r in results if r.rejected]
    rejections = LeadRejection.objects.bulk_create(
        LeadRejection(
            integration=integration,
            received_at=now,
            lead_id=r.lead_id,
            reasons=r.reasons,
            errors=r.errors,
            payload_digest=payload_digest(r.payload),
        )
        for r in rejected
    )
    for result, rejection in zip(rejected, rejections, strict=True):
        result.outcome, result.rejection, result.lead = REJECTED, rejection, None


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
    LeadEvent.objects.create(lead=lead, kind=LeadEvent.Kind.RETURNED, by=by, note=lead.get_return_reason_display())
    return lead


@transaction.atomic
def lead_convert(*, lead: Lead, by: User, amount: Decimal = Decimal("0"), name: str = "", product: str = "") -> Lead:
    """Create a Deal in LeadIn for the lead's company, owned by the lead's owner, and link it."""
    lead = _locked(lead, "convert", "converted")
    _claim(lead, by)
    owner = lead.owner
    account, _ = Account.objects.get_or_create(
        name=lead.company_name, defaults={"industry": lead.industry, "employee_count": lead.employee_count}
    )
    deal = deal_create(
        name=name.strip() or f"{lead.company_name} — {lead.full_name}",
        account=account,
        owner=owner,
        amount=amount,
        product=product.strip(),
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
# Idempotency keys
# ---------------------------------------------------------------------------
class IdempotencyInProgress(Exception):
    pass


class IdempotencyKeyReused(Exception):
    pass


def idempotency_claim(*, integration: Integration, key: str, request_digest: str) -> tuple[IdempotencyRecord, bool]:
    """Claim `key` for this request: (record, True) to go ahead, (record, False) to replay its answer.

    The claim is committed at once, so a parallel request with the key sees it and is refused.
    Raises IdempotencyInProgress while another request holds the key, IdempotencyKeyReused
    when the key was used for a different request.
    """
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(integration=integration, key=key, request_digest=request_digest)
            return record, True
    except IntegrityError:
        pass
    record = IdempotencyRecord.objects.get(integration=integration, key=key)
    if record.request_digest != request_digest:
        raise IdempotencyKeyReused("This Idempotency-Key was used with a different request.")
    if record.status is not None:
        return record, False
    # A claim left by a request that died is taken over once it is old enough.
    now = timezone.now()
    if record.created_at < now - IDEMPOTENCY_STALE_AFTER:
        taken = IdempotencyRecord.objects.filter(pk=record.pk, status=None, created_at=record.created_at)
        if taken.update(created_at=now):
            record.created_at = now
            return record, True
    raise IdempotencyInProgress("A request with this Idempotency-Key is still being processed.")


def idempotency_complete(*, record: IdempotencyRecord, status: int, body: str, content_type: str) -> None:
    record.status, record.response_body, record.content_type = status, body, content_type
    record.save(update_fields=["status", "response_body", "content_type"])


def idempotency_release(*, record: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk, status=None).delete()


def idempotency_records_purge(*, now=None) -> int:
    """Forget keys older than IDEMPOTENCY_KEEP (the contract promises at least 24 hours)."""
    cutoff = (now or timezone.now()) - IDEMPOTENCY_KEEP
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
