"""Who is enrolled in what, and how far each person got with each module."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import DateField, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from accounts.rules import is_enablement_admin, is_manager
from training.models.content import Module, Program, ProgramModule


def visible_people(user: User, field: str = "user") -> Q:
    """Whose learning `user` may see, as a condition on the person foreign key `field`: the rule
    `accounts.view_person` (accounts/rules.py), as User.objects.for_user filters people."""
    if is_enablement_admin(user):
        return Q()
    if is_manager(user) and user.team_id:
        return Q(**{f"{field}__team_id": user.team_id}) | Q(**{f"{field}_id": user.pk})
    return Q(**{f"{field}_id": user.pk})


class EnrollmentQuerySet(models.QuerySet):
    def for_user(self, user: User) -> "EnrollmentQuerySet":
        return self.filter(visible_people(user))

    def open(self) -> "EnrollmentQuerySet":
        return self.filter(completed_at__isnull=True)

    def overdue(self, today: date | None = None) -> "EnrollmentQuerySet":
        """Open enrolments with a module not completed by its due date.

        A module is due on the enrolment's due date, or on its own later date when it was added to
        the program after the enrolment (ModuleDueDate): adding a module makes nobody overdue at once.
        """
        today = today or timezone.localdate()
        own_due = ModuleDueDate.objects.filter(enrollment=OuterRef(OuterRef("pk")), module=OuterRef("module"))
        done = ModuleProgress.objects.filter(
            user=OuterRef(OuterRef("user")), module=OuterRef("module"), completed_at__isnull=False
        )
        late = (
            ProgramModule.objects.filter(program=OuterRef("program"))
            .annotate(
                due=Coalesce(Subquery(own_due.values("due_date")[:1]), OuterRef("due_date"), output_field=DateField())
            )
            .filter(due__lt=today)
            .exclude(Exists(done))
        )
        return self.open().filter(Exists(late))


class Enrollment(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="enrollments")
    enrolled_at = models.DateTimeField(default=timezone.now)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_date = models.DateField()
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [models.UniqueConstraint(fields=["user", "program"], name="enrol_once_per_program")]

    def __str__(self) -> str:
        return f"{self.user} in {self.program}"

    def is_overdue(self, today: date | None = None) -> bool:
        """Whether a module is past its due date uncompleted (one query; lists use `overdue()`)."""
        return self.completed_at is None and Enrollment.objects.overdue(today).filter(pk=self.pk).exists()


class ModuleDueDate(models.Model):
    """The due date of a module added to a program after this enrolment: counted from the day it was added."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="module_due_dates")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="+")
    due_date = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrollment", "module"], name="module_due_once")]

    def __str__(self) -> str:
        return f"{self.enrollment} · {self.module} due {self.due_date}"


class ModuleProgressQuerySet(models.QuerySet):
    def for_user(self, user: User) -> "ModuleProgressQuerySet":
        return self.filter(visible_people(user))

    def completed(self) -> "ModuleProgressQuerySet":
        return self.filter(completed_at__isnull=False)


class ModuleProgress(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="module_progress")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="progress")
    started_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    best_score = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Best quiz score, percent.")
    last_score = models.PositiveSmallIntegerField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    retention = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Refresher answers since completion, percent right, each refresher weighted by its interval.",
    )

    objects = ModuleProgressQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "module progress"
        constraints = [models.UniqueConstraint(fields=["user", "module"], name="progress_once_per_module")]

    def __str__(self) -> str:
        return f"{self.user} · {self.module}"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None
