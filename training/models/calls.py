"""The call linter's rows: trackers (admin-edited), a call's parsed transcript, and its lint."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from accounts.models import User
from training.calls.lint_rules import Kind, Severity
from training.calls.parsers import Utterance
from training.calls.trackers import Speaker, TrackerSpec
from training.models.content import Module
from training.models.progress import visible_people
from training.models.reviews import CallReview

MAX_TRACKER_PHRASES = 50


class TrackerKind(models.TextChoices):
    COMPETITOR = Kind.COMPETITOR, "Competitor"
    PRICING = Kind.PRICING, "Pricing"
    NEXT_STEPS = Kind.NEXT_STEPS, "Next steps"
    OBJECTION = Kind.OBJECTION, "Objection"
    COMPLIANCE = Kind.COMPLIANCE, "Compliance phrase (must be said)"
    CUSTOM = Kind.CUSTOM, "Custom"


class TrackerSpeaker(models.TextChoices):
    ANYONE = Speaker.ANYONE, "Anyone"
    REP = Speaker.REP, "The rep"
    CUSTOMER = Speaker.CUSTOMER, "The customer side"


class TrackerQuerySet(models.QuerySet):
    def active(self) -> "TrackerQuerySet":
        return self.filter(active=True)


class Tracker(models.Model):
    """Phrases to find in calls; matched on word boundaries in any case (fuzzy: near spellings too)."""

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=TrackerKind.choices, default=TrackerKind.CUSTOM)
    phrases = models.TextField(help_text="One phrase per line; each matches whole words in any case.")
    speaker = models.CharField(max_length=10, choices=TrackerSpeaker.choices, default=TrackerSpeaker.ANYONE)
    fuzzy = models.BooleanField(default=False, help_text="Also match near spellings (misspelt machine transcripts).")
    battlecard = models.ForeignKey(
        Module, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The competitor's battlecard module, named in its finding.",
    )  # fmt: skip
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TrackerQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        phrases = self.phrase_list()
        if not phrases:
            raise ValidationError({"phrases": "Give at least one phrase (one per line)."})
        if len(phrases) > MAX_TRACKER_PHRASES:
            raise ValidationError({"phrases": f"At most {MAX_TRACKER_PHRASES} phrases per tracker."})
        if too_long := [p for p in phrases if len(p) > 100]:
            raise ValidationError({"phrases": f"A phrase is at most 100 characters: {too_long[0][:40]}…"})

    def phrase_list(self) -> list[str]:
        return [" ".join(line.split()) for line in self.phrases.splitlines() if line.strip()]

    def spec(self) -> TrackerSpec:
        return TrackerSpec(self.pk, self.name, self.kind, tuple(self.phrase_list()), self.speaker, self.fuzzy)


class TranscriptFormat(models.TextChoices):
    VTT = "vtt", "WebVTT"
    SRT = "srt", "SRT"
    TXT = "txt", "Plain text (Speaker: text)"


class CallTranscript(models.Model):
    """A call's transcript as utterances, stored as one JSON list so that a lint reads one row."""

    review = models.OneToOneField(CallReview, on_delete=models.CASCADE, related_name="call_transcript")
    source_format = models.CharField(max_length=3, choices=TranscriptFormat.choices)
    rep_speaker = models.CharField(max_length=60, help_text="Which speaker of the transcript is the rep.")
    speakers = models.JSONField(default=list)
    # [[speaker, start seconds, end seconds, text], ...]
    utterances = models.JSONField(default=list)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Transcript of {self.review}"

    def clean(self) -> None:
        if self.rep_speaker not in self.speakers:
            raise ValidationError(
                {"rep_speaker": f"Choose one of the transcript's speakers: {', '.join(self.speakers)}."}
            )

    def utterance_list(self) -> list[Utterance]:
        return [Utterance.from_json(row) for row in self.utterances]


class CallLintQuerySet(models.QuerySet):
    def for_user(self, user: User) -> "CallLintQuerySet":
        """As CallReview.objects.for_user: a rep's own calls, a manager's team's, admins all."""
        return self.filter(visible_people(user, field="rep"))


class CallLint(models.Model):
    """The linter's results for one call; replaced whole by each lint."""

    review = models.OneToOneField(CallReview, on_delete=models.CASCADE, related_name="lint")
    # Copied from the review so that trends read one indexed table.
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    call_date = models.DateField()
    linted_at = models.DateTimeField(default=timezone.now)
    duration_seconds = models.FloatField()
    rep_talk_percent = models.FloatField()
    longest_monologue_seconds = models.FloatField()
    longest_story_seconds = models.FloatField()
    questions = models.PositiveIntegerField()
    fillers_per_minute = models.FloatField()

    objects = CallLintQuerySet.as_manager()

    class Meta:
        ordering = ["-call_date", "-pk"]
        indexes = [models.Index(fields=["rep", "call_date"])]

    def __str__(self) -> str:
        return f"Lint of {self.review_id}"


class FindingSeverity(models.TextChoices):
    ERROR = Severity.ERROR, "Error"
    WARNING = Severity.WARNING, "Warning"
    INFO = Severity.INFO, "Info"


class Finding(models.Model):
    lint = models.ForeignKey(CallLint, on_delete=models.CASCADE, related_name="findings")
    rule = models.CharField(max_length=40)
    severity = models.CharField(max_length=10, choices=FindingSeverity.choices)
    message = models.CharField(max_length=500)
    utterance = models.PositiveIntegerField(null=True, help_text="The utterance that triggered it (its index).")
    at_seconds = models.FloatField(null=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.severity}: {self.message}"


class TrackerHit(models.Model):
    lint = models.ForeignKey(CallLint, on_delete=models.CASCADE, related_name="hits")
    tracker = models.ForeignKey(Tracker, on_delete=models.CASCADE, related_name="hits")
    utterance = models.PositiveIntegerField()
    at_seconds = models.FloatField()
    phrase = models.CharField(max_length=100)
    fuzzy = models.BooleanField(default=False)

    class Meta:
        ordering = ["utterance", "pk"]
        indexes = [models.Index(fields=["tracker", "lint"])]

    def __str__(self) -> str:
        return f"{self.tracker_id} at {self.at_seconds:.0f} s"
