"""Call reviews as code review: a scorecard per call and comments pinned to moments of it."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from training.models.progress import visible_people

SCORE_MIN, SCORE_MAX = 1, 5
# A review is read by a person: a few dozen comments. The cap keeps one review to bounded work.
MAX_REVIEW_COMMENTS = 200


class RecordingHost(models.Model):
    """A host whose call recordings play inline on call reviews (admin-edited allowlist)."""

    host = models.CharField(max_length=253, unique=True, help_text="Exact host name, e.g. recordings.example.com.")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["host"]

    def __str__(self) -> str:
        return self.host

    def clean(self) -> None:
        self.host = self.host.strip().lower()
        if not self.host or "/" in self.host or ":" in self.host or " " in self.host:
            raise ValidationError(
                {"host": "Enter a bare host name such as recordings.example.com (no scheme or path)."}
            )


def playable_recording_url(url: str, hosts: set[str] | None = None) -> str:
    """`url` if it is https on an allowlisted recording host (`hosts`, else one query), else ""."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return ""
    if hosts is None:
        hosts = set(RecordingHost.objects.values_list("host", flat=True))
    return url if parts.hostname.lower() in hosts else ""


class ScorecardQuerySet(models.QuerySet):
    def active(self) -> "ScorecardQuerySet":
        return self.filter(active=True)


class Scorecard(models.Model):
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    objects = ScorecardQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Criterion(models.Model):
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True, help_text="What a 5 looks like.")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name_plural = "criteria"
        constraints = [models.UniqueConstraint(fields=["scorecard", "name"], name="criterion_name_once")]

    def __str__(self) -> str:
        return self.name


class CallReviewQuerySet(models.QuerySet):
    def for_user(self, user: User) -> "CallReviewQuerySet":
        """Reps see their own reviews, managers their team's, admins all."""
        return self.filter(visible_people(user, field="rep"))


class CallReview(models.Model):
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="call_reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="call_reviews_written"
    )
    # None for a call uploaded to be linted and reviewed later (the API, the transcript upload).
    scorecard = models.ForeignKey(Scorecard, null=True, blank=True, on_delete=models.PROTECT, related_name="reviews")
    deal = models.ForeignKey(
        "pipeline.Deal", null=True, blank=True, on_delete=models.SET_NULL, related_name="call_reviews",
        help_text="The deal the call was about: the linter reads its stage history.",
    )  # fmt: skip
    call_date = models.DateField()
    recording_url = models.URLField(
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="A link to the recording (http or https).",
    )
    transcript = models.TextField(blank=True)
    notes = models.TextField("overall notes", blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    objects = CallReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-call_date", "-pk"]
        indexes = [models.Index(fields=["rep", "-call_date"])]

    def __str__(self) -> str:
        return f"{self.rep} · call of {self.call_date:%d %b %Y}"

    def get_absolute_url(self) -> str:
        return reverse("training:review", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if not self.recording_url and not self.transcript.strip():
            errors["recording_url"] = "Give a recording URL or paste the transcript."
        if self.call_date and self.call_date > timezone.localdate():
            errors["call_date"] = "The call date cannot be in the future."
        if errors:
            raise ValidationError(errors)


class CriterionScore(models.Model):
    review = models.ForeignKey(CallReview, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)])

    class Meta:
        ordering = ["criterion__order", "criterion__pk"]
        constraints = [models.UniqueConstraint(fields=["review", "criterion"], name="score_once_per_criterion")]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


class ReviewComment(models.Model):
    """A comment pinned to a moment of the call, or (with `parent`) an answer to one."""

    review = models.ForeignKey(CallReview, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies", help_text="Answers this."
    )
    at_seconds = models.PositiveIntegerField(help_text="Where in the call, in seconds (an answer: its comment's).")
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    edited_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["at_seconds", "pk"]

    def __str__(self) -> str:
        return f"{self.timestamp} {self.text[:40]}"

    @property
    def timestamp(self) -> str:
        return format_timestamp(self.at_seconds)


def format_timestamp(seconds: int) -> str:
    """mm:ss under an hour, h:mm:ss from an hour on (both read back by the review form)."""
    hours, rest = divmod(seconds, 3600)
    if hours:
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
    return f"{seconds // 60:02d}:{seconds % 60:02d}"
