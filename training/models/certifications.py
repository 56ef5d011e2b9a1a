"""Certifications a program grants on completion, valid for a set time and renewed before they expire."""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from accounts.models import User
from training.models.content import Program
from training.models.progress import visible_people


class CertificationStatus(models.TextChoices):
    CERTIFIED = "certified", "Certified"
    EXPIRING = "expiring", "Expiring"
    LAPSED = "lapsed", "Lapsed"


class Certification(models.Model):
    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="certification")
    name = models.CharField(max_length=200, unique=True)
    min_score = models.PositiveSmallIntegerField(
        default=80,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Granted when the program is complete and the average best score of its quizzes reaches this.",
    )
    valid_days = models.PositiveIntegerField(default=365, validators=[MinValueValidator(1)])
    renew_days_before = models.PositiveIntegerField(
        default=30, help_text="The holder is enrolled in the program again this many days before it expires."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.valid_days and self.renew_days_before >= self.valid_days:
            raise ValidationError({"renew_days_before": "Renew before expiry: fewer days than the validity."})


class CertificationGrantQuerySet(models.QuerySet):
    def for_user(self, user: User) -> "CertificationGrantQuerySet":
        return self.filter(visible_people(user))

    def latest_per_holder(self) -> "CertificationGrantQuerySet":
        """Each person's newest grant of each certification (the one that says their status)."""
        newer = CertificationGrant.objects.filter(
            user=models.OuterRef("user"),
            certification=models.OuterRef("certification"),
            granted_at__gt=models.OuterRef("granted_at"),
        )
        return self.exclude(models.Exists(newer))


class CertificationGrant(models.Model):
    certification = models.ForeignKey(Certification, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certifications")
    granted_at = models.DateTimeField(default=timezone.now)
    expires_on = models.DateField(help_text="The first day it is no longer valid.")
    score = models.PositiveSmallIntegerField(help_text="The program's average best quiz score when granted.")
    renewal_started_at = models.DateTimeField(
        null=True, blank=True, help_text="When the holder was enrolled again to renew it."
    )

    objects = CertificationGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at", "-pk"]
        indexes = [models.Index(fields=["user", "certification", "-granted_at"])]

    def __str__(self) -> str:
        return f"{self.certification} · {self.user}"

    @property
    def valid_until(self) -> date:
        """The last day it is valid."""
        return self.expires_on - timedelta(days=1)

    def renew_from(self) -> date:
        return self.expires_on - timedelta(days=self.certification.renew_days_before)

    def status(self, today: date | None = None) -> CertificationStatus:
        today = today or timezone.localdate()
        if today >= self.expires_on:
            return CertificationStatus.LAPSED
        if today >= self.renew_from():
            return CertificationStatus.EXPIRING
        return CertificationStatus.CERTIFIED
