"""The read vocabulary of training: dashboards and the manager's team table."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Avg, Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from accounts.models import Role, User
from training.models import (
    Acknowledgement,
    CallReview,
    CriterionScore,
    Enrollment,
    Module,
    ModuleProgress,
    ProgramModule,
    Update,
)


def unread_update_count(user: User) -> int:
    """Published updates addressed to `user` not yet read or acknowledged: the navigation badge (one query)."""
    return Update.objects.addressed_to(user).unacknowledged_by(user).count()


def completion_percent(done: int, total: int) -> int | None:
    """Program completion in whole percent, rounded half up; None when nothing is assigned.

    The one definition: the team table computes the same in SQL (`_completion_sql`), the
    person's and the rep's pages and the home page call this.
    """
    return (200 * done + total) // (2 * total) if total else None


def _completion_sql(done: str, total: str) -> Any:
    # (200 * done + total) / (2 * total) in integer arithmetic: completion_percent, in the database.
    return (F(done) * 200 + F(total)) / NullIf(F(total) * 2, 0)


# ---------------------------------------------------------------------------
# A person's programs
# ---------------------------------------------------------------------------


@dataclass
class ProgramProgress:
    enrollment: Enrollment
    modules: list = field(default_factory=list)  # (module, progress or None) in program order
    completed: int = 0

    @property
    def total(self) -> int:
        return len(self.modules)

    @property
    def percent(self) -> int:
        percent = completion_percent(self.completed, self.total)
        return 100 if percent is None else percent

    @property
    def next_module(self) -> Module | None:
        return next((module for module, progress in self.modules if not (progress and progress.is_completed)), None)

    def is_overdue(self, today: date | None = None) -> bool:
        return self.enrollment.is_overdue(today)


def programs_of(person: User) -> list[ProgramProgress]:
    """`person`'s enrolments with each module's progress, in three queries."""
    enrollments = list(
        Enrollment.objects.filter(user=person)
        .select_related("program")
        .prefetch_related(Prefetch("program__program_modules", queryset=ProgramModule.objects.select_related("module")))
    )
    progress = {p.module_id: p for p in ModuleProgress.objects.filter(user=person)}
    result = []
    for enrollment in enrollments:
        item = ProgramProgress(enrollment)
        for program_module in enrollment.program.program_modules.all():
            module_progress = progress.get(program_module.module_id)
            item.modules.append((program_module.module, module_progress))
            item.completed += bool(module_progress and module_progress.is_completed)
        result.append(item)
    return result


def next_up(programs: list[ProgramProgress]) -> Module | None:
    """The first unfinished module of the open program due soonest."""
    open_programs = sorted((p for p in programs if p.next_module), key=lambda p: p.enrollment.due_date)
    return open_programs[0].next_module if open_programs else None


# ---------------------------------------------------------------------------
# The manager's team table
# ---------------------------------------------------------------------------

TEAM_SORTS = {
    "name": ("last_name", "first_name"),
    "start": ("start_date",),
    "completion": ("completion",),
    "overdue": ("overdue_modules",),
    "quiz": ("average_score",),
    "unacknowledged": ("unacknowledged",),
    "review": ("last_review_date",),
}


def _count(queryset: QuerySet[Any], column: str) -> Coalesce:
    """A correlated COUNT(DISTINCT column) of `queryset`, as a subquery annotation (0 when empty)."""
    counted = queryset.order_by().annotate(group=Value(1)).values("group").annotate(n=Count(column, distinct=True))
    return Coalesce(Subquery(counted.values("n")[:1], output_field=IntegerField()), 0)


def team_learning(
    *, viewer: User, sort: str = "name", descending: bool = False, today: date | None = None
) -> list[Any]:
    """One row per active rep `viewer` may see (a User annotated with learning figures); a fixed number of queries."""
    today = today or timezone.localdate()
    enrolled = ProgramModule.objects.filter(program__enrollments__user=OuterRef("pk"))
    completed_by_rep = ModuleProgress.objects.filter(
        user=OuterRef(OuterRef("pk")), module=OuterRef("module"), completed_at__isnull=False
    )
    # One filter() call, so that the three conditions apply to the same enrolment.
    overdue = ProgramModule.objects.filter(
        program__enrollments__user=OuterRef("pk"),
        program__enrollments__due_date__lt=today,
        program__enrollments__completed_at__isnull=True,
    ).exclude(Exists(completed_by_rep))
    done = ModuleProgress.objects.filter(
        user=OuterRef("pk"),
        completed_at__isnull=False,
        module__program_modules__program__enrollments__user=OuterRef("pk"),
    )
    scores = (
        ModuleProgress.objects.filter(user=OuterRef("pk"), best_score__isnull=False)
        .order_by()
        .values("user")
        .annotate(a=Avg("best_score"))
        .values("a")
    )
    audience_teams = Update.audience_teams.through.objects.filter(update_id=OuterRef("pk"))
    unacknowledged = (
        Update.objects.published()
        .filter(requires_acknowledgement=True)
        .filter(Q(audience_role="") | Q(audience_role=OuterRef("role")))
        .filter(~Exists(audience_teams) | Exists(audience_teams.filter(team_id=OuterRef(OuterRef("team_id")))))
        .exclude(Exists(Acknowledgement.objects.filter(update=OuterRef("pk"), user=OuterRef(OuterRef("pk")))))
    )
    last_review = CallReview.objects.filter(rep=OuterRef("pk")).order_by("-call_date", "-pk")
    rows = (
        User.objects.for_user(viewer)
        .filter(role=Role.REP, is_active=True)
        .annotate(
            module_total=_count(enrolled, "module"),
            module_done=_count(done, "module"),
            overdue_modules=_count(overdue, "module"),
            average_score=Subquery(scores[:1]),
            unacknowledged=_count(unacknowledged, "pk"),
            last_review_id=Subquery(last_review.values("pk")[:1]),
            last_review_date=Subquery(last_review.values("call_date")[:1]),
        )
        .annotate(
            # Integer percent (completion_percent); NULL (no modules assigned) sorts with the lowest.
            completion=_completion_sql("module_done", "module_total"),
        )
    )
    column = TEAM_SORTS.get(sort, TEAM_SORTS["name"])
    order = [F(c).desc(nulls_last=True) if descending else F(c).asc(nulls_first=True) for c in column]
    people = list(rows.order_by(*order, "pk"))
    reviews = CallReview.objects.filter(pk__in=[p.last_review_id for p in people if p.last_review_id]).prefetch_related(
        Prefetch("scores", queryset=CriterionScore.objects.select_related("criterion"))
    )
    by_id = {review.pk: review for review in reviews}
    for person in people:
        person.last_review = by_id.get(person.last_review_id)
    return people


@dataclass
class UpdateStatus:
    """Who of an update's audience on the team has acknowledged it, and who has not."""

    update: Update
    done: list[User]
    pending: list[User]

    @property
    def audience(self) -> int:
        return len(self.done) + len(self.pending)


def team_update_status(*, viewer: User) -> list[UpdateStatus]:
    """For each update addressed to the viewer's team: who of its audience acknowledged it and who
    has not (three queries). The audience is the team members the update targets (role and team),
    so "of N" is the number of people asked to acknowledge it."""
    members = list(User.objects.for_user(viewer).filter(is_active=True).exclude(pk=viewer.pk))
    updates = list(
        Update.objects.for_user(viewer)
        .published()
        .filter(requires_acknowledgement=True)
        .prefetch_related(
            Prefetch("audience_teams"),
        )
    )
    acked = set(
        Acknowledgement.objects.filter(update__in=updates, user__in=members).values_list("update_id", "user_id")
    )
    result = []
    for update in updates:
        team_ids = {t.pk for t in update.audience_teams.all()}
        audience = [m for m in members if update.is_for(m, team_ids)]
        if not audience:
            continue
        done = [m for m in audience if (update.pk, m.pk) in acked]
        pending = [m for m in audience if (update.pk, m.pk) not in acked]
        result.append(UpdateStatus(update, done, pending))
    return result
