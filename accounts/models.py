import hashlib
from datetime import date, datetime
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class Role(models.TextChoices):
    REP = "rep", "Sales rep"
    MANAGER = "manager", "Sales manager"
    ENABLEMENT_ADMIN = "enablement_admin", "Enablement admin"
    MARKETING_OPS = "marketing_ops", "Marketing ops"


# Roles that work in Django admin; the others use only the portal's own pages.
STAFF_ROLES = frozenset({Role.ENABLEMENT_ADMIN, Role.MARKETING_OPS})


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    region = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserQuerySet(models.QuerySet):
    def for_user(self, user: "User") -> "UserQuerySet":
        """The people `user` may see, as the rule `accounts.view_person` (accounts/rules.py) decides
        one: admins everyone, managers their team, others themselves."""
        if user.is_enablement_admin:
            return self
        if user.role == Role.MANAGER and user.team_id:
            return self.filter(Q(team_id=user.team_id) | Q(pk=user.pk))
        return self.filter(pk=user.pk)

    def reps(self) -> "UserQuerySet":
        return self.filter(role=Role.REP, is_active=True)


# Subclassed, not assigned: migrations find a manager by its class's module and name. The type
# checker cannot follow a from_queryset() call in a base class list, hence the ignore.
class PortalUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.REP, db_index=True)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="direct_reports")
    start_date = models.DateField(null=True, blank=True, help_text="First working day; ramp time counts from it.")

    objects: ClassVar[PortalUserManager] = PortalUserManager()

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_absolute_url(self) -> str:
        return reverse("accounts:home")

    @property
    def is_enablement_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ENABLEMENT_ADMIN

    def tenure_days(self, today: date | None = None) -> int | None:
        if self.start_date is None:
            return None
        return ((today or timezone.localdate()) - self.start_date).days


def hash_api_key(token: str) -> str:
    # Keys are 256-bit random tokens, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


class Scope(models.TextChoices):
    """What an API key may do. A key's rights are its scopes, intersected with its person's rights."""

    LEADS_WRITE = "leads:write", "leads:write — send leads (lead integrations only)"
    LEADS_READ = "leads:read", "leads:read — read the integration's own leads and rejections"
    COLLATERAL_READ = "collateral:read", "collateral:read — search and read published collateral"
    COLLATERAL_WRITE = "collateral:write", "collateral:write — create and change collateral (as an enablement admin)"
    DEALS_READ = "deals:read", "deals:read — read the deals its person may see"
    DEALS_WRITE = "deals:write", "deals:write — move the deals its person may move"
    TELEMETRY_READ = "telemetry:read", "telemetry:read — read the metrics its person may see"
    TRAINING_READ = "training:read", "training:read — read the certifications its person may see"
    CALLS_READ = "calls:read", "calls:read — read the call linter's results on the calls its person may see"
    CALLS_WRITE = "calls:write", "calls:write — upload calls of its person's reps (as a manager)"


# A lead integration's key carries these and nothing else; other keys never carry them.
INTEGRATION_SCOPES = frozenset({Scope.LEADS_WRITE, Scope.LEADS_READ})
# Scopes that act as a person: a key holding one names the person (`acts_for`).
PERSON_SCOPES = frozenset(
    {
        Scope.COLLATERAL_WRITE,
        Scope.DEALS_READ,
        Scope.DEALS_WRITE,
        Scope.TELEMETRY_READ,
        Scope.TRAINING_READ,
        Scope.CALLS_READ,
        Scope.CALLS_WRITE,
    }
)


class ApiKeyQuerySet(models.QuerySet):
    def active(self) -> "ApiKeyQuerySet":
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    """A key for a system calling the API. Only its SHA-256 is stored; the key is shown once.

    `created_by` is who issued it, for the record only: it grants nothing. What the key may do is
    its `scopes`; for the scopes that act as a person, only what `acts_for` may do as well.
    """

    name = models.CharField(max_length=100, unique=True)
    prefix = models.CharField(max_length=16, help_text="The first characters of the key, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(default=list, help_text="What the key may do.")
    acts_for = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_keys",
        help_text="The person whose rights the key uses (needed for deals, telemetry and collateral changes).",
    )
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: the key does not expire.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def clean(self) -> None:
        scopes = set(self.scopes or [])
        if not scopes:
            raise ValidationError({"scopes": "Choose at least one scope."})
        if unknown := sorted(scopes - set(Scope.values)):
            raise ValidationError({"scopes": f"Unknown scope(s): {', '.join(unknown)}."})
        if scopes & INTEGRATION_SCOPES and scopes - INTEGRATION_SCOPES:
            raise ValidationError({"scopes": "A lead integration's key carries leads scopes only."})
        if scopes & INTEGRATION_SCOPES and self.acts_for_id is not None:
            raise ValidationError({"acts_for": "A lead integration's key acts for no person."})
        if scopes & PERSON_SCOPES and self.acts_for_id is None:
            needing = ", ".join(sorted(scopes & PERSON_SCOPES))
            raise ValidationError({"acts_for": f"{needing} act(s) as a person: choose whose rights the key uses."})

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


class OutboxMessageQuerySet(models.QuerySet):
    def unclaimed(self, now: datetime) -> "OutboxMessageQuerySet":
        return self.filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))


class OutboxMessage(models.Model):
    """A Celery task to send, written in the same transaction as the data it is about.

    `transaction.on_commit(task.delay)` loses the task when the broker is down after the
    commit; a row committed with the data cannot be lost that way. `accounts.outbox` sends it
    on commit and deletes it, and a periodic drain sends what a broker outage left behind.
    It lives in accounts because every app may import accounts, and pipeline and telemetry
    both enqueue through it. A sender claims rows for a lease (`claim`, `claimed_until`)
    rather than holding a row lock while it talks to the broker.
    """

    task = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claim = models.UUIDField(null=True, blank=True, db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        verbose_name = "outbox message"

    def __str__(self) -> str:
        return f"{self.task}({self.kwargs}) queued {self.created_at:%Y-%m-%d %H:%M:%S}"
