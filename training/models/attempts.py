"""Quiz attempts as they were drawn and answered, and the refreshers that follow a completed module."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from training.models.content import Module, Question, Quiz
from training.models.progress import visible_people


class QuizAttemptQuerySet(models.QuerySet):
    def for_user(self, user: User) -> "QuizAttemptQuerySet":
        return self.filter(visible_people(user))

    def submitted(self) -> "QuizAttemptQuerySet":
        return self.filter(submitted_at__isnull=False)

    def open(self) -> "QuizAttemptQuerySet":
        return self.filter(submitted_at__isnull=True)


class QuizAttempt(models.Model):
    """One try at a quiz: the questions drawn for it, in the order shown, and (once submitted) its score.

    Drawn when the rep starts it and kept until submitted, so leaving the page and coming back
    shows the same questions (a reload cannot re-roll the draw).
    """

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    number = models.PositiveIntegerField(help_text="1 for the first attempt at this quiz, then 2, …")
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Percent of the drawn questions right.")
    passed = models.BooleanField(default=False)

    objects = QuizAttemptQuerySet.as_manager()

    class Meta:
        ordering = ["started_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "quiz", "number"], name="attempt_number_once"),
            models.UniqueConstraint(
                fields=["user", "quiz"], condition=Q(submitted_at__isnull=True), name="one_open_attempt"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.quiz} · attempt {self.number}"

    @property
    def is_last_allowed(self) -> bool:
        return self.quiz.max_attempts is not None and self.number >= self.quiz.max_attempts

    @property
    def reveals_answers(self) -> bool:
        """Whether this submitted attempt's page may show the correct answers and explanations."""
        if self.submitted_at is None:
            return False
        return (self.passed and self.quiz.reveal_after_pass) or (
            not self.passed and self.is_last_allowed and self.quiz.reveal_after_last_attempt
        )


class AttemptAnswer(models.Model):
    """A drawn question of an attempt: the order its choices were shown in, and what the rep chose."""

    attempt = models.ForeignKey(QuizAttempt, on_delete=models.CASCADE, related_name="answers")
    # A question removed from the pool later takes its stored answers with it; the attempt keeps its score.
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()
    choice_order = models.JSONField(default=list, help_text="Choice ids in the order shown.")
    chosen = models.JSONField(default=list, blank=True, help_text="Choice ids the rep chose.")
    correct = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["attempt", "question"], name="question_once_per_attempt")]

    def __str__(self) -> str:
        return f"{self.attempt} · Q{self.position + 1}"


class RefresherQuerySet(models.QuerySet):
    def for_user(self, user: User) -> "RefresherQuerySet":
        # A refresher is the rep's own practice: nobody else opens it (managers read the retention score).
        return self.filter(user=user)

    def due(self, today: date | None = None) -> "RefresherQuerySet":
        return self.filter(answered_at__isnull=True, due_on__lte=today or timezone.localdate())


class Refresher(models.Model):
    """A few questions of a completed module's pool, due on the rep's home `interval_days` after completion."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="refreshers")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="refreshers")
    interval_days = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    questions = models.ManyToManyField(Question, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    asked = models.PositiveSmallIntegerField(default=0)
    correct = models.PositiveSmallIntegerField(default=0)

    objects = RefresherQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["user", "due_on"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.module} · day {self.interval_days}"

    @property
    def score(self) -> int | None:
        return round(100 * self.correct / self.asked) if self.asked else None
