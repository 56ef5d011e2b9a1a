"""Leads from marketing (MQLs), the rules they must meet, where they are routed, and the
rejections that tell marketing what to fix.

A lead's status is a small state machine (django-fsm-2, like the Deal's):
mql → accepted (sales-qualified) | returned (to marketing); mql or accepted → converted (to a Deal);
returned → resubmitted (marketing sent it again with changes), which sales works like an MQL.
"""

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django_fsm import FSMField, can_proceed, transition

from accounts.models import ApiKey, Team, User
from accounts.rules import is_enablement_admin, is_manager, is_sales

if TYPE_CHECKING:
    from pipeline.models import Deal


class Integration(models.Model):
    """A system that sends leads (HubSpot, Marketo…). It calls the API with its own key."""

    name = models.CharField(max_length=100, unique=True)
    api_key = models.OneToOneField(ApiKey, on_delete=models.PROTECT, related_name="integration", editable=False)
    # HMAC needs the secret itself, so it is stored as it is; it is shown once when set.
    signing_secret = models.CharField(max_length=128, blank=True, editable=False)
    rate_limit_requests = models.PositiveIntegerField(default=100, help_text="Requests allowed per window.")
    rate_limit_window_seconds = models.PositiveIntegerField(default=10, help_text="Length of the window in seconds.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def signs_requests(self) -> bool:
        return bool(self.signing_secret)


class QualificationCriterionQuerySet(models.QuerySet):
    def active(self) -> "QualificationCriterionQuerySet":
        return self.filter(active=True)


class QualificationCriterion(models.Model):
    """A code marketing may send in `qualificationCriteriaMet`; unknown codes are refused."""

    code = models.SlugField(max_length=64, unique=True)
    label = models.CharField(max_length=200)
    active = models.BooleanField(default=True)

    objects = QualificationCriterionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "qualification criteria"

    def __str__(self) -> str:
        return self.code


class QualificationRule(models.Model):
    """What an MQL must meet to reach sales. Every active rule applies to every lead."""

    name = models.CharField(max_length=100, unique=True)
    active = models.BooleanField(default=True)
    min_engagement_score = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(100)])
    required_criteria = models.ManyToManyField(
        QualificationCriterion, blank=True, help_text="The lead must have met all of these."
    )
    blocked_email_domains = models.TextField(
        blank=True, help_text="One domain per line, e.g. gmail.com; subdomains are blocked too."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def blocked_domains(self) -> list[str]:
        return [line.strip().lower().lstrip("@") for line in self.blocked_email_domains.splitlines() if line.strip()]


class RoutingRule(models.Model):
    """Send matching leads to a team; within the team, reps take turns (round-robin)."""

    name = models.CharField(max_length=100, unique=True)
    order = models.PositiveSmallIntegerField(default=0, help_text="Rules are tried in this order; the first wins.")
    active = models.BooleanField(default=True)
    industry = models.CharField(max_length=100, blank=True, help_text="Exact industry (any case); blank: any.")
    min_employees = models.PositiveIntegerField(null=True, blank=True)
    max_employees = models.PositiveIntegerField(null=True, blank=True)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="lead_routing_rules")

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        low, high = self.min_employees, self.max_employees
        if low is not None and high is not None and low > high:
            raise ValidationError({"max_employees": "Must not be below the minimum."})

    def matches(self, *, industry: str, employee_count: int) -> bool:
        if self.industry and self.industry.lower() != industry.lower():
            return False
        if self.min_employees is not None and employee_count < self.min_employees:
            return False
        return self.max_employees is None or employee_count <= self.max_employees


class RoundRobinCursor(models.Model):
    """The rep of a team who got the last routed lead; the next one goes to the rep after."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="lead_cursor")
    last_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"{self.team}: {self.last_user}"


class LeadStatus(models.TextChoices):
    MQL = "mql", "MQL"
    ACCEPTED = "accepted", "Accepted (SQL)"
    RETURNED = "returned", "Returned to marketing"
    RESUBMITTED = "resubmitted", "Resubmitted by marketing"
    CONVERTED = "converted", "Converted to a deal"


# What sales still has to decide on; a resubmitted lead is back in its owner's queue.
OPEN_STATUSES = [LeadStatus.MQL, LeadStatus.ACCEPTED, LeadStatus.RESUBMITTED]
# Waiting for sales to accept or return it.
UNDECIDED_STATUSES = [LeadStatus.MQL, LeadStatus.RESUBMITTED]


class ReturnReason(models.TextChoices):
    NOT_A_FIT = "not_a_fit", "Not a fit (industry, size, budget)"
    BAD_CONTACT = "bad_contact", "Contact data wrong or unreachable"
    NO_INTEREST = "no_interest", "No real interest"
    DUPLICATE = "duplicate", "Duplicate of a lead or customer"
    STUDENT_OR_COMPETITOR = "student_or_competitor", "Student, job seeker or competitor"
    OTHER = "other", "Other"


class RejectionReason(models.TextChoices):
    """Why intake refused a lead: the codes `leads.validation` stores, with the words people read."""

    MISSING_FIELD = "missing_field", "Required field missing"
    WRONG_TYPE = "wrong_type", "Wrong type of value"
    OUT_OF_RANGE = "out_of_range", "Number out of range"
    INVALID_LENGTH = "invalid_length", "Text too short or too long"
    INVALID_EMAIL = "invalid_email", "Invalid e-mail address"
    INVALID = "invalid", "Invalid value"
    UNKNOWN_CRITERION = "unknown_criterion", "Unknown qualification criterion"
    NOT_QUALIFIED = "not_qualified", "Does not meet the qualification rules"
    DUPLICATE_IN_BATCH = "duplicate_in_batch", "Sent twice in one batch"
    UNKNOWN = "unknown", "Unknown reason"


def rejection_reason_label(code: str) -> str:
    return RejectionReason(code).label if code in RejectionReason.values else code.replace("_", " ").capitalize()


def primary_reason(codes: list[str] | None) -> str:
    """The reason a rejection is counted under: its first (intake checks the contract first, then
    the registry, then the qualification rules), so shares of rejections add up to 100 %."""
    return codes[0] if codes else RejectionReason.UNKNOWN


class LeadQuerySet(models.QuerySet):
    def for_user(self, user: User) -> "LeadQuerySet":
        """The leads `user` may see, as the rule `leads.view_lead` (leads/rules.py) decides one:
        admins every lead; managers their team's and the open queue; reps theirs and the queue."""
        if is_enablement_admin(user):
            return self
        queue = Q(owner__isnull=True) & (Q(team__isnull=True) | Q(team_id=user.team_id))
        if is_manager(user) and user.team_id:
            return self.filter(Q(team_id=user.team_id) | Q(owner_id=user.pk) | queue)
        if is_sales(user):
            return self.filter(Q(owner_id=user.pk) | queue)
        return self.none()

    def reassignable_by(self, user: User) -> "LeadQuerySet":
        """The leads whose owner `user` may change, as the rule `leads.reassign_lead` decides one:
        admins every lead, managers their team's."""
        if is_enablement_admin(user):
            return self
        if is_manager(user) and user.team_id:
            return self.filter(team_id=user.team_id)
        return self.none()

    def open(self) -> "LeadQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def unassigned(self) -> "LeadQuerySet":
        return self.filter(owner__isnull=True)


class Lead(models.Model):
    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="leads")
    lead_id = models.CharField("lead id", max_length=64, help_text="The sending system's own id.")
    source = models.CharField(max_length=200)
    email = models.EmailField()
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    job_title = models.CharField(max_length=200)
    company_name = models.CharField(max_length=200)
    industry = models.CharField(max_length=100)
    employee_count = models.PositiveIntegerField()
    engagement_score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])
    criteria = models.JSONField(default=list, help_text="Codes of the qualification criteria met.")
    raw_payload = models.JSONField(help_text="The lead as it was last sent.")
    payload_digest = models.CharField(max_length=64, editable=False)
    status = FSMField(default=LeadStatus.MQL, choices=LeadStatus.choices, db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads")
    routed_by = models.ForeignKey(RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    return_reason = models.CharField(max_length=32, choices=ReturnReason.choices, blank=True)
    return_note = models.TextField(blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    deal = models.OneToOneField(
        "pipeline.Deal", null=True, blank=True, on_delete=models.SET_NULL, related_name="source_lead"
    )
    received_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = LeadQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["integration", "lead_id"], name="lead_unique_per_integration")]
        indexes = [
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["team", "status"]),
            # The inbox's order and its keyset pages.
            models.Index(fields=["-received_at", "-id"], name="lead_received_desc"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.company_name})"

    def get_absolute_url(self) -> str:
        return reverse("leads:detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def age_days(self) -> int:
        """Whole days since it arrived (never negative, even with a clock a little behind)."""
        return max(0, (timezone.now() - self.received_at).days)

    @property
    def can_accept(self) -> bool:
        return can_proceed(self.accept)

    @property
    def can_return(self) -> bool:
        return can_proceed(self.return_to_marketing)

    @property
    def can_convert(self) -> bool:
        return can_proceed(self.convert)

    @transition(field=status, source=UNDECIDED_STATUSES, target=LeadStatus.ACCEPTED)
    def accept(self) -> None:
        pass

    @transition(field=status, source=UNDECIDED_STATUSES, target=LeadStatus.RETURNED)
    def return_to_marketing(self, *, reason: str, note: str) -> None:
        self.return_reason = reason
        self.return_note = note
        self.returned_at = timezone.now()

    @transition(field=status, source=LeadStatus.RETURNED, target=LeadStatus.RESUBMITTED)
    def resubmit(self) -> None:
        """Marketing sent the returned lead again with changes: back to its owner to decide.
        The last return's reason stays, so the rep sees what was to be fixed."""

    @transition(field=status, source=OPEN_STATUSES, target=LeadStatus.CONVERTED)
    def convert(self, *, deal: "Deal") -> None:
        self.deal = deal


class LeadEvent(models.Model):
    """The lead's history after it arrived: updates from marketing and what sales did."""

    class Kind(models.TextChoices):
        UPDATED = "updated", "Updated by marketing"
        RESUBMITTED = "resubmitted", "Resubmitted by marketing"
        ACCEPTED = "accepted", "Accepted"
        RETURNED = "returned", "Returned to marketing"
        CONVERTED = "converted", "Converted to a deal"
        REASSIGNED = "reassigned", "Reassigned"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.TextField(blank=True)
    reason = models.CharField(max_length=32, choices=ReturnReason.choices, blank=True, help_text="Why it was returned.")
    changes = models.JSONField(
        default=list, blank=True, help_text="What marketing changed: [{field, old, new}], fields by contract path."
    )

    class Meta:
        ordering = ["at", "id"]
        # The returns feed reads one integration's returns in id order.
        indexes = [models.Index(fields=["kind", "id"], name="lead_event_kind_id")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"


class LeadRejection(models.Model):
    """A lead that was refused, kept so marketing can see and fix it.

    Holds the field paths and messages, the reasons and a digest of the payload, and
    nothing else of the person: the messages name fields and rules, not values.
    """

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="rejections")
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    lead_id = models.CharField(max_length=64, blank=True)
    reasons = models.JSONField(default=list, help_text="Reason codes, e.g. invalid_email, not_qualified.")
    errors = models.JSONField(default=list, help_text="[{path, message}]")
    payload_digest = models.CharField(max_length=64, help_text="SHA-256 of the payload, to match a resend.")

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["integration", "id"])]

    def __str__(self) -> str:
        return f"{self.lead_id or '(no id)'}: {', '.join(self.reasons)}"


class IdempotencyRecord(models.Model):
    """One `Idempotency-Key` of an integration: the request it was used for and its answer.

    `status` is null while the first request with the key is still running.
    """

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_digest = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True)
    response_body = models.TextField(blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["integration", "key"], name="idempotency_key_unique")]

    def __str__(self) -> str:
        return self.key
