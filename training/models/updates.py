"""Short updates pulled by the people they are for, each read or acknowledged once."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from accounts.models import Role, Team, User
from accounts.rules import is_enablement_admin, is_manager
from training.markdown import render_markdown


class UpdateKind(models.TextChoices):
    PRODUCT = "product", "Product"
    COMPETITIVE = "competitive", "Competitive"
    PROCESS = "process", "Process"


class UpdateQuerySet(models.QuerySet):
    def published(self) -> "UpdateQuerySet":
        return self.filter(published_at__isnull=False, published_at__lte=timezone.now())

    def for_audience(self, *, role: str, team_id: int | None) -> "UpdateQuerySet":
        """Updates addressed to people with this role and team."""
        teams = Update.audience_teams.through.objects.filter(update_id=OuterRef("pk"))
        return self.filter(Q(audience_role="") | Q(audience_role=role)).filter(
            ~Exists(teams) | Exists(teams.filter(team_id=team_id))  # type: ignore[misc]  # None: no team matches
        )

    def for_user(self, user: User) -> "UpdateQuerySet":
        """What `user` may read: admins everything; others what is published for them, or for their team.
        (Who opens the updates page at all is the rule `training.view_updates`, training/rules.py.)"""
        if is_enablement_admin(user):
            return self
        mine = self.published().for_audience(role=user.role, team_id=user.team_id)
        if is_manager(user) and user.team_id:
            # A manager follows up on what went to their team, whatever role it addressed.
            teams = Update.audience_teams.through.objects.filter(update_id=OuterRef("pk"))
            return self.published().filter(
                Q(pk__in=mine.values("pk")) | ~Exists(teams) | Exists(teams.filter(team_id=user.team_id))
            )
        return mine

    def addressed_to(self, user: User) -> "UpdateQuerySet":
        """Published updates whose audience includes `user` (role and team): the ones `user` is asked
        to read. A manager also reads what went to the team's reps (`for_user`), without being counted
        as one of its readers."""
        return self.published().for_audience(role=user.role, team_id=user.team_id)

    def unacknowledged_by(self, user: User) -> "UpdateQuerySet":
        return self.exclude(acknowledgements__user=user)


class Update(models.Model):
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="A short Markdown note.")
    kind = models.CharField(max_length=20, choices=UpdateKind.choices)
    audience_role = models.CharField(
        max_length=32, choices=Role.choices, blank=True, help_text="Leave empty for every role."
    )
    audience_teams = models.ManyToManyField(Team, blank=True, help_text="Leave empty for every team.")
    requires_acknowledgement = models.BooleanField(default=True)
    published_at = models.DateTimeField(null=True, blank=True, help_text="Empty: a draft. In the future: scheduled.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    objects = UpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("training:updates") + f"#update-{self.pk}"

    def body_html(self) -> SafeString:
        return render_markdown(self.body)

    def is_for(self, user: User, team_ids: set[int] | None = None) -> bool:
        """Whether `user` is in the audience; `team_ids` is the prefetched audience (else one query)."""
        if self.audience_role and self.audience_role != user.role:
            return False
        if team_ids is None:
            team_ids = set(self.audience_teams.values_list("pk", flat=True))
        return not team_ids or user.team_id in team_ids


class Acknowledgement(models.Model):
    """That `user` has read an update (and acknowledged it, when the update asks for that)."""

    update = models.ForeignKey(Update, on_delete=models.CASCADE, related_name="acknowledgements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="acknowledgements")
    acknowledged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["acknowledged_at"]
        constraints = [models.UniqueConstraint(fields=["update", "user"], name="acknowledge_once")]

    def __str__(self) -> str:
        return f"{self.user} acknowledged {self.update}"
