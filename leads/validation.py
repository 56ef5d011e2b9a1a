"""Intake validation: a lead payload checked against the contract, the criteria registry and
the qualification rules, without writing anything. `leads.services.lead_ingest` stores the result."""

import hashlib
import json
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from pydantic import ValidationError as PydanticValidationError
from redis.exceptions import RedisError

from enablement_portal.text import unstorable
from leads.models import Lead, LeadRejection, QualificationCriterion, QualificationRule, RoutingRule
from leads.schemas import LeadIn, unknown_fields

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


def payload_digest(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    # surrogatepass: a rejected payload may hold a lone surrogate ("\ud800"), which UTF-8 cannot encode.
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def storable(text: str) -> str:
    # Paths and ids echo what was sent; PostgreSQL cannot store a NUL character or a lone surrogate.
    return text.replace("\x00", "\ufffd").encode("utf-8", "replace").decode()


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


def field_path(loc: Iterable[Any]) -> str:
    """A pydantic error location as the contract names it: ('contactInfo', 'email') -> 'contactInfo.email'."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


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

    @classmethod
    def cached(cls) -> "IntakeRules":
        """The rules, read from the database once per process while they stay the same.

        A version stamp in the shared cache says which rules are current: every change to a
        criterion or a rule (leads.signals) sets a new one, once at the change (so the
        changing transaction sees its own change) and again when it commits (so a process that
        read the old rules meanwhile reads them again). A missing stamp (the cache was cleared,
        or evicted) is a new version. Costs one cache read per request instead of four queries.
        """
        try:
            stamp = cache.get(RULES_STAMP_KEY)
            if stamp is None:
                stamp = rules_stamp_bump()
        except RedisError:
            # Without the shared cache no stamp says the copy is current: read the rules (fail open,
            # as the rate limits do), so intake keeps taking leads while Redis is down.
            return cls.load()
        with _cached_lock:
            held = _cached.get("rules")
            if held is not None and held[0] == stamp:
                return held[1]
        rules = cls.load()
        # Rules changed by a transaction not yet committed (or rolled back) are not kept: the
        # stamp they were read under may outlive them.
        if stamp != _cached.get("uncommitted"):
            with _cached_lock:
                _cached["rules"] = (stamp, rules)
        return rules


RULES_STAMP_KEY = "leads:intake-rules:stamp"
_cached: dict[str, Any] = {}
_cached_lock = threading.Lock()


def rules_stamp_bump(*, uncommitted: bool = False) -> str:
    """Mark the intake rules changed: every process reads them again on its next request."""
    stamp = uuid.uuid4().hex
    with _cached_lock:
        # Forget our own copy first: if the cache fails below, this process still reads afresh.
        _cached.pop("rules", None)
    cache.set(RULES_STAMP_KEY, stamp, timeout=None)
    with _cached_lock:
        _cached.pop("rules", None)
        if uncommitted:
            _cached["uncommitted"] = stamp
        else:
            _cached.pop("uncommitted", None)
    return stamp


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
    result = IntakeResult(index=index, payload=payload)
    if isinstance(payload, dict) and isinstance(payload.get("leadId"), str):
        result.lead_id = storable(payload["leadId"].strip()[:64])
    result.warnings = [{"path": path, "message": "Unknown field, ignored."} for path in unknown_fields(payload)]
    lead_in = None
    try:
        lead_in = LeadIn.model_validate(payload)
    except PydanticValidationError as exc:
        for error in exc.errors(include_url=False):
            path = field_path(error["loc"])
            result.reject(path, error["msg"], reason_for(error["type"], path))
    criteria = payload.get("qualificationCriteriaMet") if isinstance(payload, dict) else None
    for position, code in enumerate(criteria if isinstance(criteria, list) else []):
        if isinstance(code, str) and code.strip() and code.strip() not in rules.criteria:
            result.reject(
                f"qualificationCriteriaMet[{position}]",
                f"Unknown criterion; the known ones are: {', '.join(sorted(rules.criteria))}.",
                "unknown_criterion",
            )
    for path in unstorable_paths(payload):
        result.reject(path, "Must not contain NUL characters or lone surrogates.", "invalid")
    if lead_in is None or result.rejected:
        return result
    result.fields = lead_fields(lead_in)
    result.digest = payload_digest(result.fields)
    for rule, code, path, message in qualification_failures(lead_in=lead_in, rules=rules):
        result.reject(path, message, "not_qualified")
        result.failed_rules.append({"rule": rule.name, "check": code, "message": message})
    return result


def unstorable_paths(value: Any, path: str = "") -> list[str]:
    """Where the payload holds a NUL character or a lone surrogate ("\ud800", valid JSON but not
    UTF-8), which PostgreSQL cannot store in text or JSON."""
    if isinstance(value, str):
        return [path] if unstorable(value) else []
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in unstorable_paths(item, f"{path}[{i}]")]
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            found += [child] if unstorable(str(key)) else unstorable_paths(item, child)
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
