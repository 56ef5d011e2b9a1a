"""Learning content: modules of a few minutes, their quizzes, and programs that order them."""

from urllib.parse import urlsplit

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from taggit.managers import TaggableManager

from accounts.models import Role, User
from pipeline.models import OPEN_STAGES, Stage
from training.markdown import render_markdown

MAX_MODULE_MINUTES = 10


class VideoHost(models.Model):
    """A host whose video player may be embedded in a module (admin-edited allowlist)."""

    host = models.CharField(
        max_length=253, unique=True, help_text="Exact host name, e.g. www.youtube-nocookie.com or player.vimeo.com."
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["host"]

    def __str__(self) -> str:
        return self.host

    def clean(self) -> None:
        self.host = self.host.strip().lower()
        if not self.host or "/" in self.host or ":" in self.host or " " in self.host:
            raise ValidationError({"host": "Enter a bare host name such as player.vimeo.com (no scheme or path)."})

    @property
    def origin(self) -> str:
        return f"https://{self.host}"


class ModuleQuerySet(models.QuerySet):
    def for_user(self, user: User | AnonymousUser) -> "ModuleQuerySet":
        # Content is not private: every signed-in person may read every module.
        return self if user.is_authenticated else self.none()


class Module(models.Model):
    title = models.CharField(max_length=200, unique=True)
    summary = models.CharField(max_length=300)
    body = models.TextField(help_text="Markdown. Rendered and sanitised: scripts, handlers and odd links are removed.")
    video_url = models.URLField(
        blank=True,
        help_text="Optional embeddable player URL (https) on a host of the video allowlist, "
        "e.g. https://www.youtube-nocookie.com/embed/VIDEO_ID.",
    )
    estimated_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_MODULE_MINUTES)],
        help_text=f"Microlearning: at most {MAX_MODULE_MINUTES} minutes.",
    )
    tags = TaggableManager(blank=True)
    related_assets = models.ManyToManyField(
        "collateral.Asset",
        blank=True,
        related_name="modules",
        help_text="Collateral to use with this module; reps see the ones currently published.",
    )
    # The open stages of the deal process whose skills the module teaches (values of pipeline's
    # Stage): coaching suggests the module to a rep whose conversion out of the stage is low.
    stages = models.JSONField(default=list, blank=True, help_text="Deal stages whose skills this module teaches.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ModuleQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("training:module", args=[self.pk])

    def clean(self) -> None:
        open_stages = {str(stage) for stage in OPEN_STAGES}
        if not isinstance(self.stages, list) or not set(self.stages) <= open_stages:
            raise ValidationError({"stages": f"Choose among the open stages: {', '.join(sorted(open_stages))}."})
        if self.video_url:
            parts = urlsplit(self.video_url)
            if parts.scheme != "https":
                raise ValidationError({"video_url": "Video URLs must use https."})
            if not self.embeddable_video_url():
                host = parts.hostname or "This host"
                raise ValidationError(
                    {"video_url": f"{host} is not on the video host allowlist (ask an admin to add it)."}
                )

    @property
    def stage_labels(self) -> list[str]:
        return [Stage(stage).label for stage in self.stages if stage in Stage.values]

    def body_html(self) -> SafeString:
        return render_markdown(self.body)

    def embeddable_video_url(self) -> str:
        """The video URL if it is https on an allowlisted host now (a host may have been removed since)."""
        parts = urlsplit(self.video_url)
        if parts.scheme != "https" or not parts.hostname:
            return ""
        return self.video_url if VideoHost.objects.filter(host=parts.hostname.lower()).exists() else ""


# A week: a longer wait is a lock-out, which max_attempts says more honestly.
MAX_COOLDOWN_MINUTES = 7 * 24 * 60
DAYS_LIST = RegexValidator(r"^\s*(\d{1,3}\s*(,\s*\d{1,3}\s*)*)?$", "Whole days separated by commas, e.g. 2, 7, 30.")


class Quiz(models.Model):
    module = models.OneToOneField(Module, on_delete=models.CASCADE, related_name="quiz")
    pass_mark = models.PositiveSmallIntegerField(
        default=80, validators=[MinValueValidator(1), MaxValueValidator(100)], help_text="Percent of questions right."
    )
    draw_count = models.PositiveSmallIntegerField(
        "questions per attempt",
        default=0,
        help_text="Each attempt draws this many questions from the pool (those not asked last time first); "
        "0 asks every question.",
    )
    shuffle_choices = models.BooleanField(default=True, help_text="Show each question's choices in a new order.")
    max_attempts = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Empty: no limit."
    )
    cooldown_minutes = models.PositiveIntegerField(
        default=10,
        validators=[MaxValueValidator(MAX_COOLDOWN_MINUTES)],
        help_text="Wait after a failed attempt before the next one may start.",
    )
    reveal_after_pass = models.BooleanField(
        default=True, help_text="Show the correct answers and explanations once the quiz is passed."
    )
    reveal_after_last_attempt = models.BooleanField(
        default=True,
        help_text="Show them after the last allowed attempt (with a limit). Otherwise a failed attempt shows "
        "only which questions were wrong.",
    )
    refresher_days = models.CharField(
        max_length=60,
        blank=True,
        default="2, 7, 30",
        validators=[DAYS_LIST],
        help_text="Days after completing the module when refresher questions arrive on the rep's home; empty: none.",
    )
    refresher_size = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(10)], help_text="Questions per refresher."
    )

    class Meta:
        verbose_name_plural = "quizzes"

    def __str__(self) -> str:
        return f"Quiz: {self.module}"

    @property
    def refresher_intervals(self) -> list[int]:
        """The refresher days, ascending and without repeats (0 is dropped: a refresher is not the quiz)."""
        return sorted({int(day) for day in self.refresher_days.split(",") if day.strip() and int(day)})


class Question(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(max_length=500)
    explanation = models.TextField(blank=True, help_text="Shown after the quiz is submitted.")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def correct_ids(self) -> frozenset[int]:
        # Reads the prefetched choices: call it on questions loaded with prefetch_related("choices").
        return frozenset(c.pk for c in self.choices.all() if c.is_correct)

    @property
    def is_multiple(self) -> bool:
        return len(self.correct_ids) > 1


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(max_length=300)
    is_correct = models.BooleanField(default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text


class ProgramQuerySet(models.QuerySet):
    def active(self) -> "ProgramQuerySet":
        return self.filter(active=True)

    def onboarding_for(self, role: str) -> "ProgramQuerySet":
        return self.active().filter(onboarding=True, target_role=role)


class Program(models.Model):
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    target_role = models.CharField(max_length=32, choices=Role.choices, default=Role.REP)
    due_days = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(1)], help_text="Due this many days after enrolment."
    )
    onboarding = models.BooleanField(
        default=True, help_text="Enrol new people with the target role automatically (from their start date)."
    )
    active = models.BooleanField(default=True)
    modules = models.ManyToManyField(Module, through="ProgramModule", related_name="programs")

    objects = ProgramQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProgramModule(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="program_modules")
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="program_modules")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["program", "module"], name="program_module_once")]

    def __str__(self) -> str:
        return f"{self.program} · {self.order}. {self.module}"
