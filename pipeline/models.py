"""Deals and the B2B sales process as a state machine (django-fsm-2).

The Deal model, its stages and the accounts it sells to are the shared contract other apps
build on (leads convert into a Deal, collateral is shared on one, telemetry reads them).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField

from accounts.models import Role, Team


class Stage(models.TextChoices):
    LEAD_IN = "LeadIn", "Lead in"
    DISCOVERY = "Discovery", "Discovery"
    TECHNICAL_DEMO = "TechnicalDemo", "Technical demo"
    PROPOSAL = "Proposal", "Proposal"
    CLOSING = "Closing", "Closing"
    CLOSED_WON = "ClosedWon", "Closed won"
    CLOSED_LOST = "ClosedLost", "Closed lost"


OPEN_STAGES = [Stage.LEAD_IN, Stage.DISCOVERY, Stage.TECHNICAL_DEMO, Stage.PROPOSAL, Stage.CLOSING]
CLOSED_STAGES = [Stage.CLOSED_WON, Stage.CLOSED_LOST]


class Account(models.Model):
    """The company a deal sells to."""

    name = models.CharField(max_length=200, unique=True)
    industry = models.CharField(max_length=100, blank=True)
    employee_count = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LostReason(models.Model):
    """Why a deal was lost: an admin-editable list, so loss analysis has fixed categories."""

    name = models.CharField(max_length=100, unique=True)
    active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class DealQuerySet(models.QuerySet):
    def for_user(self, user) -> "DealQuerySet":
        """The deals `user` may see: admins all, managers their team's, reps their own."""
        if user.is_superuser or user.role == Role.ENABLEMENT_ADMIN:
            return self
        if user.role == Role.MANAGER and user.team_id:
            return self.filter(Q(team_id=user.team_id) | Q(owner_id=user.pk))
        if user.role == Role.REP:
            return self.filter(owner_id=user.pk)
        return self.none()

    def open(self) -> "DealQuerySet":
        return self.filter(stage__in=OPEN_STAGES)

    def closed(self) -> "DealQuerySet":
        return self.filter(stage__in=CLOSED_STAGES)


class Deal(ConcurrentTransitionMixin, models.Model):
    name = models.CharField(max_length=200)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="deals")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deals")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="deals")
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(max_length=3, default="USD")
    product = models.CharField(max_length=100, blank=True, help_text="Product or segment.")
    expected_close_date = models.DateField(null=True, blank=True)
    # Only transitions move a deal: the stage is never assigned directly, in code or in a form.
    stage = FSMField(default=Stage.LEAD_IN, choices=Stage.choices, protected=True, db_index=True)
    stage_entered_at = models.DateTimeField(default=timezone.now)
    lost_at_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    lost_reason = models.ForeignKey(LostReason, null=True, blank=True, on_delete=models.PROTECT)
    lost_note = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    external_id = models.CharField(
        max_length=64, null=True, blank=True, unique=True, help_text="Id in the CRM it was imported from."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DealQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["team", "stage"]),
            models.Index(fields=["owner", "stage"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES
