"""Deals and the B2B sales process as a state machine (django-fsm-2).

The Deal model, its stages and the accounts it sells to are the shared contract other apps
build on (leads convert into a Deal, collateral is shared on one, telemetry reads them).
"""

from collections.abc import Collection
from datetime import datetime
from decimal import Decimal
from typing import cast

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from accounts.models import Role, Team, User
from accounts.rules import is_enablement_admin, is_manager, is_sales


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
# The playbook's forward path: each open stage and the one a deal moves on to.
NEXT_STAGE: dict[str, Stage] = {
    Stage.LEAD_IN: Stage.DISCOVERY,
    Stage.DISCOVERY: Stage.TECHNICAL_DEMO,
    Stage.TECHNICAL_DEMO: Stage.PROPOSAL,
    Stage.PROPOSAL: Stage.CLOSING,
    Stage.CLOSING: Stage.CLOSED_WON,
}
# The stage a deal moves back to, one step (a wrong drag undone); LeadIn has none.
PREVIOUS_STAGE: dict[str, Stage] = {
    Stage.DISCOVERY: Stage.LEAD_IN,
    Stage.TECHNICAL_DEMO: Stage.DISCOVERY,
    Stage.PROPOSAL: Stage.TECHNICAL_DEMO,
    Stage.CLOSING: Stage.PROPOSAL,
}


# Who may own a deal: the people who sell.
SALES_ROLES = [Role.REP, Role.MANAGER]


class Event(models.TextChoices):
    """What moves a deal (the transitions), plus how a deal's history can begin."""

    QUALIFY = "QUALIFY", "Qualify"
    DEMO_SCHEDULED = "DEMO_SCHEDULED", "Demo scheduled"
    PROPOSAL_REQUESTED = "PROPOSAL_REQUESTED", "Proposal requested"
    VERBAL_YES = "VERBAL_YES", "Verbal yes"
    CONTRACT_SIGNED = "CONTRACT_SIGNED", "Contract signed"
    DEAL_LOST = "DEAL_LOST", "Deal lost"
    MOVED_BACK = "MOVED_BACK", "Moved back"
    REOPENED = "REOPENED", "Reopened"
    CREATED = "CREATED", "Created"
    IMPORTED = "IMPORTED", "Imported"


# The forward event out of each open stage, and the Deal method that runs each transition.
FORWARD_EVENT: dict[str, Event] = {
    Stage.LEAD_IN: Event.QUALIFY,
    Stage.DISCOVERY: Event.DEMO_SCHEDULED,
    Stage.TECHNICAL_DEMO: Event.PROPOSAL_REQUESTED,
    Stage.PROPOSAL: Event.VERBAL_YES,
    Stage.CLOSING: Event.CONTRACT_SIGNED,
}
TRANSITION_METHODS: dict[str, str] = {
    Event.QUALIFY: "qualify",
    Event.DEMO_SCHEDULED: "demo_scheduled",
    Event.PROPOSAL_REQUESTED: "proposal_requested",
    Event.VERBAL_YES: "verbal_yes",
    Event.CONTRACT_SIGNED: "contract_signed",
    Event.DEAL_LOST: "deal_lost",
    Event.MOVED_BACK: "move_back",
    Event.REOPENED: "reopen",
}
# The events that need a reason (the history row's note): undoing a step, reviving a lost deal.
REASON_EVENTS = frozenset({Event.MOVED_BACK, Event.REOPENED})
TRANSITION_EVENTS = [Event(event) for event in TRANSITION_METHODS]


class Account(models.Model):
    """The company a deal sells to."""

    name = models.CharField(max_length=200, unique=True)
    industry = models.CharField(max_length=100, blank=True)
    employee_count = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProductQuerySet(models.QuerySet):
    def active(self) -> "ProductQuerySet":
        return self.filter(is_active=True)

    def named(self, name: str) -> "Product | None":
        """The product called `name`, whatever its case and surrounding spaces; None if there is none."""
        return cast("Product | None", self.filter(name__iexact=" ".join(name.split())).first())


class Product(models.Model):
    """What a deal sells: one managed list, so that a typo never becomes a product of its own."""

    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True, help_text="Inactive products are not offered for new deals.")

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="product_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        # Say which product already has the name (Django's message for a functional constraint names none).
        clash = Product.objects.filter(name__iexact=self.name).exclude(pk=self.pk).first()
        if clash is not None:
            raise ValidationError({"name": f"The product {clash.name!r} already has this name."})
        super().validate_constraints(exclude=exclude)


class LostReason(models.Model):
    """Why a deal was lost: an admin-editable list, so loss analysis has fixed categories."""

    name = models.CharField(max_length=100, unique=True)
    active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class StageSetting(models.Model):
    """Per open stage: the win probability that weights the board's amounts, and when a deal rots."""

    stage = models.CharField(max_length=20, choices=Stage.choices, unique=True)
    probability = models.PositiveSmallIntegerField(
        help_text="Chance, in percent, that a deal in this stage is won.", validators=[MaxValueValidator(100)]
    )
    rotting_after_days = models.PositiveSmallIntegerField(
        help_text="A deal longer than this in the stage is highlighted as rotting on the board."
    )

    class Meta:
        ordering = ["stage"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.probability}%, rots after {self.rotting_after_days} days"


class CriterionKind(models.TextChoices):
    ENTRY = "entry", "Entry"
    EXIT = "exit", "Exit"


class StageCriterionQuerySet(models.QuerySet):
    def active(self) -> "StageCriterionQuerySet":
        return self.filter(active=True)

    def gating(self, source: str, target: str) -> "StageCriterionQuerySet":
        """The active criteria a move from `source` to `target` needs: the exits of one, the entries of the other."""
        return self.active().filter(
            Q(stage=source, kind=CriterionKind.EXIT) | Q(stage=target, kind=CriterionKind.ENTRY)
        )


class StageCriterion(models.Model):
    """Something that must be true, and confirmed by someone, to enter or to leave a stage."""

    stage = models.CharField(max_length=20, choices=[(s.value, s.label) for s in OPEN_STAGES])
    kind = models.CharField(max_length=5, choices=CriterionKind.choices)
    text = models.CharField(max_length=300)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True, help_text="Inactive criteria no longer gate moves.")

    objects = StageCriterionQuerySet.as_manager()

    class Meta:
        ordering = ["stage", "kind", "order", "pk"]
        verbose_name_plural = "stage criteria"

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.kind}: {self.text}"


class DealQuerySet(models.QuerySet):
    def for_user(self, user: User) -> "DealQuerySet":
        """The deals `user` may see, as the rule `pipeline.view_deal` (pipeline/rules.py) decides one:
        admins all, managers their team's and their own, reps their own."""
        if is_enablement_admin(user):
            return self
        if is_manager(user) and user.team_id:
            return self.filter(Q(team_id=user.team_id) | Q(owner_id=user.pk))
        if is_sales(user):
            return self.filter(owner_id=user.pk)
        return self.none()

    def open(self) -> "DealQuerySet":
        return self.filter(stage__in=OPEN_STAGES)

    def closed(self) -> "DealQuerySet":
        return self.filter(stage__in=CLOSED_STAGES)

    def editable_by(self, user: User) -> "DealQuerySet":
        """The deals `user` may move and edit, as the rule `pipeline.change_deal` decides one:
        those they see, if they hold pipeline.move_deal."""
        if not user.has_perm("pipeline.move_deal"):
            return self.none()
        return self.for_user(user)

    def reassignable_by(self, user: User) -> "DealQuerySet":
        """The deals whose owner `user` may change, as the rule `pipeline.reassign_deal` decides one:
        admins all, managers their team's."""
        if is_enablement_admin(user):
            return self
        if is_manager(user) and user.team_id:
            return self.filter(team_id=user.team_id)
        return self.none()


# django-fsm types conditions and permissions over any model and any user; these get a Deal and a User.
def criteria_met(deal: models.Model) -> bool:
    """Condition of every forward transition: all gating criteria are checked on the deal."""
    return not cast("Deal", deal).missing_criteria()


def was_lost_open(deal: models.Model) -> bool:
    """Condition of reopening: the deal was lost at an open stage it can return to."""
    return cast("Deal", deal).lost_at_stage in OPEN_STAGES


def may_move(deal: models.Model, user: PermissionsMixin | AnonymousUser) -> bool:
    """Permission of every transition: the rule `pipeline.change_deal`, as DealQuerySet.editable_by."""
    return cast("Deal", deal).is_editable_by(user)


class Deal(ConcurrentTransitionMixin, models.Model):
    name = models.CharField(max_length=200)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="deals")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deals")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="deals")
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(max_length=3, default="USD")
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="deals", help_text="What it sells."
    )
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

    source = models.CharField(max_length=40, blank=True, help_text="Where the deal came from: lead, portal, import.")

    objects = DealQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["team", "stage"]),
            models.Index(fields=["owner", "stage"]),
            # The deal list's default order (newest first, id breaking ties), read backwards.
            models.Index(fields=["created_at", "id"], name="pipeline_deal_created_idx"),
        ]
        permissions = [("move_deal", "Can move a deal through its stages and check its criteria")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("pipeline:deal", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @property
    def next_stage(self) -> str | None:
        return NEXT_STAGE.get(self.stage)

    @property
    def forward_event(self) -> str | None:
        return FORWARD_EVENT.get(self.stage)

    @property
    def next_stage_label(self) -> str:
        return Stage(self.next_stage).label if self.next_stage else ""

    @property
    def forward_event_label(self) -> str:
        return Event(self.forward_event).label if self.forward_event else ""

    @property
    def previous_stage(self) -> str | None:
        return PREVIOUS_STAGE.get(self.stage)

    @property
    def previous_stage_label(self) -> str:
        return Stage(self.previous_stage).label if self.previous_stage else ""

    @property
    def can_reopen(self) -> bool:
        return self.stage == Stage.CLOSED_LOST and self.lost_at_stage in OPEN_STAGES

    def days_in_stage(self, now: datetime | None = None) -> int:
        """Whole days since the deal entered its stage; never negative (a clock or an import may
        put `stage_entered_at` a moment ahead of now)."""
        return max(0, ((now or timezone.now()) - self.stage_entered_at).days)

    def is_editable_by(self, user: PermissionsMixin | AnonymousUser) -> bool:
        return user.has_perm("pipeline.change_deal", self)

    def gating_criteria(self) -> "StageCriterionQuerySet":
        """The criteria the next forward move needs (none when the deal is closed)."""
        if self.next_stage is None:
            return StageCriterion.objects.none()
        return StageCriterion.objects.gating(self.stage, self.next_stage)

    def missing_criteria(self) -> list["StageCriterion"]:
        return list(self.gating_criteria().exclude(checks__deal=self))

    # The transitions. django-fsm runs the body, then sets the stage; the services record history.
    @transition(stage, Stage.LEAD_IN, Stage.DISCOVERY, conditions=[criteria_met], permission=may_move)
    def qualify(self) -> None:
        self._enter_stage()

    @transition(stage, Stage.DISCOVERY, Stage.TECHNICAL_DEMO, conditions=[criteria_met], permission=may_move)
    def demo_scheduled(self) -> None:
        self._enter_stage()

    @transition(stage, Stage.TECHNICAL_DEMO, Stage.PROPOSAL, conditions=[criteria_met], permission=may_move)
    def proposal_requested(self) -> None:
        self._enter_stage()

    @transition(stage, Stage.PROPOSAL, Stage.CLOSING, conditions=[criteria_met], permission=may_move)
    def verbal_yes(self) -> None:
        self._enter_stage()

    @transition(stage, Stage.CLOSING, Stage.CLOSED_WON, conditions=[criteria_met], permission=may_move)
    def contract_signed(self) -> None:
        self._enter_stage()
        self.closed_at = self.stage_entered_at

    # Losing needs no criteria, but always a reason; the stage it was lost at is kept.
    @transition(stage, OPEN_STAGES, Stage.CLOSED_LOST, permission=may_move)
    def deal_lost(self, *, reason: LostReason, note: str = "") -> None:
        self.lost_at_stage = self.stage
        self.lost_reason = reason
        self.lost_note = note
        self._enter_stage()
        self.closed_at = self.stage_entered_at

    # Back one stage, without criteria (they gate forward moves only); the checks already made stay.
    # One decorator per stage (as PREVIOUS_STAGE), so that the graph of the machine shows each step.
    @transition(stage, Stage.DISCOVERY, Stage.LEAD_IN, permission=may_move)
    @transition(stage, Stage.TECHNICAL_DEMO, Stage.DISCOVERY, permission=may_move)
    @transition(stage, Stage.PROPOSAL, Stage.TECHNICAL_DEMO, permission=may_move)
    @transition(stage, Stage.CLOSING, Stage.PROPOSAL, permission=may_move)
    def move_back(self) -> None:
        self._enter_stage()

    # A lost deal comes back to the stage it was lost at; it is open again, so the loss is cleared.
    @transition(stage, Stage.CLOSED_LOST, RETURN_VALUE(*OPEN_STAGES), conditions=[was_lost_open], permission=may_move)
    def reopen(self) -> str:
        target = self.lost_at_stage
        self.lost_at_stage, self.lost_reason, self.lost_note, self.closed_at = "", None, "", None
        self._enter_stage()
        return target

    def _enter_stage(self) -> None:
        self.stage_entered_at = timezone.now()


class CriterionCheck(models.Model):
    """Who confirmed that a criterion holds for a deal, when, and on what evidence."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="checks")
    criterion = models.ForeignKey(StageCriterion, on_delete=models.PROTECT, related_name="checks")
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(default=timezone.now)
    evidence = models.TextField(help_text="What shows the criterion holds: a note, a link, a document name.")

    class Meta:
        ordering = ["checked_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["deal", "criterion"], name="one_check_per_deal_criterion")]

    def __str__(self) -> str:
        return f"{self.deal}: {self.criterion.text}"


class DealStageChange(models.Model):
    """One row per stage change of a deal: its history, the board's timeline and telemetry's funnel.

    A table of our own rather than django-fsm-log: telemetry asks "for each stage, which deals
    reached it, moved on, or were lost there, and how long they stayed", which is a range scan
    on (to_stage, at) / (from_stage, at) over typed stage columns. django-fsm-log stores a
    generic foreign key with untyped state strings and has no such indexes, and it cannot mark
    a row as imported (a CRM import must not invent a history it does not know).
    """

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    event = models.CharField(max_length=20, choices=Event.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    imported = models.BooleanField(default=False, help_text="Recorded by an import, not moved in the portal.")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]
        get_latest_by = "at"
        indexes = [
            models.Index(fields=["deal", "at"]),
            models.Index(fields=["to_stage", "at"]),
            models.Index(fields=["from_stage", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.deal}: {self.from_stage or '—'} → {self.to_stage} ({self.event})"


class DealActivity(models.Model):
    """What happened to a deal besides stage moves: its owner changed, a criterion was withdrawn.

    Not a DealStageChange: those rows are the stage history telemetry's funnel reads, and an owner
    change is no stage reached.
    """

    class Kind(models.TextChoices):
        REASSIGNED = "reassigned", "Reassigned"
        UNCHECKED = "unchecked", "Criterion withdrawn"

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(help_text="The reason given.")
    from_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    criterion = models.ForeignKey(StageCriterion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "pk"]
        verbose_name_plural = "deal activities"
        indexes = [models.Index(fields=["deal", "at"])]

    def __str__(self) -> str:
        return f"{self.deal}: {self.get_kind_display()}"


class Quota(models.Model):
    """A rep's closed-won target for one calendar month (telemetry reads attainment and ramp from it)."""

    rep = models.ForeignKey(User, on_delete=models.CASCADE, related_name="quotas")
    month = models.DateField(help_text="The first day of the month.")
    amount = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(max_length=3, default="USD")

    class Meta:
        ordering = ["-month", "rep"]
        constraints = [models.UniqueConstraint(fields=["rep", "month"], name="one_quota_per_rep_month")]

    def __str__(self) -> str:
        return f"{self.rep} {self.month:%Y-%m}: {self.amount} {self.currency}"

    def clean(self) -> None:
        if self.month and self.month.day != 1:
            raise ValidationError({"month": "Use the first day of the month."})


class RefusedMove(models.Model):
    """A forward move refused because gating criteria were unconfirmed: who tried, on which deal,
    from where to where, and what was missing. Written by `services.deal_transition` only (every
    move goes through it), for telemetry's gate-compliance report."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="refused_moves")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    from_stage = models.CharField(max_length=20, choices=Stage.choices)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    event = models.CharField(max_length=20, choices=Event.choices)
    at = models.DateTimeField(default=timezone.now)
    # The unconfirmed criteria at the time, as [{"id": 3, "text": "BANT confirmed"}]: the texts are
    # kept because an admin may later reword or delete a criterion.
    missing = models.JSONField(default=list)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["from_stage", "at"]), models.Index(fields=["deal", "at"])]

    def __str__(self) -> str:
        return f"{self.deal}: {self.from_stage} → {self.to_stage} refused ({len(self.missing)} missing)"
