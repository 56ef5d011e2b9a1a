"""The read vocabulary of training: dashboards and the manager's team table."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from accounts.models import Role, User
from training.models import (
    Acknowledgement,
    AttemptAnswer,
    CallReview,
    CertificationGrant,
    CertificationStatus,
    Choice,
    CriterionScore,
    Enrollment,
    Module,
    ModuleDueDate,
    ModuleProgress,
    ProgramModule,
    Question,
    Quiz,
    QuizAttempt,
    Refresher,
    Update,
    visible_people,
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
    # A module added to the program after the enrolment is due later than the enrolment (ModuleDueDate).
    due_dates: dict[int, date] = field(default_factory=dict)

    def due_date(self, module: Module) -> date:
        return self.due_dates.get(module.pk, self.enrollment.due_date)

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
        """A module not completed by its own due date (what Enrollment.objects.overdue() says, from memory)."""
        if self.enrollment.completed_at is not None:
            return False
        today = today or timezone.localdate()
        return any(
            self.due_date(module) < today
            for module, progress in self.modules
            if not (progress and progress.is_completed)
        )


def programs_of(person: User) -> list[ProgramProgress]:
    """`person`'s enrolments with each module's progress and due date, in four queries."""
    enrollments = list(
        Enrollment.objects.filter(user=person)
        .select_related("program")
        .prefetch_related(
            Prefetch("program__program_modules", queryset=ProgramModule.objects.select_related("module")),
            Prefetch("module_due_dates", queryset=ModuleDueDate.objects.all()),
        )
    )
    progress = {p.module_id: p for p in ModuleProgress.objects.filter(user=person)}
    result = []
    for enrollment in enrollments:
        item = ProgramProgress(
            enrollment, due_dates={d.module_id: d.due_date for d in enrollment.module_due_dates.all()}
        )
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
    # One filter() call, so that the conditions apply to the same enrolment; the annotation reuses its join.
    # A module added after the enrolment is due on its own date (ModuleDueDate), else on the enrolment's.
    own_due = ModuleDueDate.objects.filter(enrollment=OuterRef("program__enrollments"), module=OuterRef("module"))
    overdue = (
        ProgramModule.objects.filter(
            program__enrollments__user=OuterRef("pk"), program__enrollments__completed_at__isnull=True
        )
        .annotate(due=Coalesce(Subquery(own_due.values("due_date")[:1]), F("program__enrollments__due_date")))
        .filter(due__lt=today)
        .exclude(Exists(completed_by_rep))
    )
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


# ---------------------------------------------------------------------------
# Quizzes: where a person stands, and an attempt as it was shown
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QuizState:
    quiz: Quiz
    open_attempt: QuizAttempt | None
    # The newest submitted attempt of this round (since the module was started or renewed).
    last: QuizAttempt | None
    submitted: int
    total: int
    passed: bool
    # When the cool-down after a failed attempt ends, while it runs.
    opens_at: datetime | None

    @property
    def exhausted(self) -> bool:
        return not self.passed and self.quiz.max_attempts is not None and self.submitted >= self.quiz.max_attempts

    @property
    def attempts_left(self) -> int | None:
        return None if self.quiz.max_attempts is None else max(0, self.quiz.max_attempts - self.submitted)

    @property
    def can_start(self) -> bool:
        return self.open_attempt is None and not self.exhausted and self.opens_at is None


def quiz_state(*, user: User, quiz: Quiz, now: datetime | None = None) -> QuizState:
    """`user`'s attempts at `quiz` (two queries). Attempts count from the module's (re)start, so a
    certification renewal gets the quiz's attempts afresh."""
    now = now or timezone.now()
    since = ModuleProgress.objects.filter(user=user, module_id=quiz.module_id).values_list("started_at", flat=True)
    attempts = list(QuizAttempt.objects.filter(user=user, quiz=quiz).select_related("quiz"))
    round_start = since.first()
    this_round = [a for a in attempts if round_start is None or a.started_at >= round_start]
    submitted = [a for a in this_round if a.submitted_at is not None]
    last = max(submitted, key=lambda a: (a.submitted_at, a.pk)) if submitted else None
    opens_at = None
    if last and last.submitted_at and not last.passed and quiz.cooldown_minutes:
        cooled = last.submitted_at + timedelta(minutes=quiz.cooldown_minutes)
        opens_at = cooled if cooled > now else None
    return QuizState(
        quiz=quiz,
        open_attempt=next((a for a in attempts if a.submitted_at is None), None),
        last=last,
        submitted=len(submitted),
        total=len(attempts),
        passed=any(a.passed for a in submitted),
        opens_at=opens_at,
    )


@dataclass(frozen=True)
class ShownQuestion:
    """A drawn question with its choices in the order the attempt showed them."""

    answer: AttemptAnswer
    question: Question
    choices: list[Choice]

    @property
    def is_multiple(self) -> bool:
        return self.question.is_multiple


def attempt_questions(attempt: QuizAttempt) -> list[ShownQuestion]:
    """The attempt's questions and choices in the order drawn and shuffled (two queries)."""
    answers = list(
        attempt.answers.select_related("question").prefetch_related("question__choices").order_by("position")
    )
    shown = []
    for answer in answers:
        by_id = {c.pk: c for c in answer.question.choices.all()}
        choices = [by_id[pk] for pk in answer.choice_order if pk in by_id]
        shown.append(ShownQuestion(answer, answer.question, choices))
    return shown


# ---------------------------------------------------------------------------
# What comes after a module
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NextStep:
    program: ProgramProgress | None
    module: Module | None
    # The program just finished (its last module passed), and what comes after it.
    completed_program: ProgramProgress | None = None
    certification: CertificationGrant | None = None


def next_step(person: User, module: Module) -> NextStep:
    """After `module`: the next unfinished module of the program it belongs to (the open one due
    soonest), or that program complete, with the next module of another program (six queries)."""
    programs = programs_of(person)
    containing = [p for p in programs if any(m.pk == module.pk for m, _ in p.modules)]
    containing.sort(key=lambda p: (p.enrollment.completed_at is not None, p.enrollment.due_date))
    program = containing[0] if containing else None
    if program and program.next_module:
        ids = [m.pk for m, _ in program.modules]
        after = ids.index(module.pk)
        unfinished = [m for m, progress in program.modules if not (progress and progress.is_completed)]
        # The next unfinished one after this module, else the first one left before it.
        following = next((m for m in unfinished if ids.index(m.pk) > after), unfinished[0])
        return NextStep(program, following)
    certification = None
    if program:
        certification = (
            CertificationGrant.objects.filter(user=person, certification__program=program.enrollment.program)
            .select_related("certification")
            .first()
        )
    return NextStep(None, next_up(programs), completed_program=program, certification=certification)


# ---------------------------------------------------------------------------
# Reinforcement and certifications, for managers (and telemetry)
# ---------------------------------------------------------------------------


def team_retention(*, viewer: User) -> tuple[list[Module], list[tuple[User, list[int | None]]]]:
    """Per rep `viewer` may see and per module, the retention score (None: no refresher answered yet);
    only modules with a score for someone are columns. Two queries."""
    progress = list(
        ModuleProgress.objects.filter(visible_people(viewer), retention__isnull=False)
        .filter(user__role=Role.REP, user__is_active=True)
        .select_related("user", "module")
        .order_by("user__last_name", "user__first_name", "user__pk", "module__title")
    )
    modules = sorted({p.module for p in progress}, key=lambda m: m.title)
    scores: dict[int, dict[int, int | None]] = {}
    people: dict[int, User] = {}
    for p in progress:
        people.setdefault(p.user_id, p.user)
        scores.setdefault(p.user_id, {})[p.module_id] = p.retention
    rows = [(people[pk], [scores[pk].get(m.pk) for m in modules]) for pk in people]
    return modules, rows


@dataclass(frozen=True)
class CertificationRow:
    grant: CertificationGrant
    status: CertificationStatus

    @property
    def user(self) -> User:
        return self.grant.user


def certification_statuses(
    *, viewer: User | None = None, today: date | None = None, username: str | None = None
) -> list[CertificationRow]:
    """Each person's newest grant of each certification with its status (certified, expiring, lapsed),
    in one query: for the team page and the API (`viewer`'s people), and for telemetry (everyone)."""
    today = today or timezone.localdate()
    grants = (
        CertificationGrant.objects.latest_per_holder()
        .select_related("certification__program", "user__team")
        .order_by("user__last_name", "user__first_name", "user__pk", "certification__name")
    )
    if viewer is not None:
        grants = grants.for_user(viewer)
    if username is not None:
        grants = grants.filter(user__username=username)
    return [CertificationRow(grant, grant.status(today)) for grant in grants]


def certification_status_by_rep(today: date | None = None) -> dict[int, list[CertificationRow]]:
    """Telemetry's view (readiness beside results): {rep id: their certifications' statuses}, one query."""
    by_rep: dict[int, list[CertificationRow]] = {}
    for row in certification_statuses(today=today):
        by_rep.setdefault(row.grant.user_id, []).append(row)
    return by_rep


def due_refreshers(user: User, today: date | None = None) -> list[Refresher]:
    """`user`'s refreshers due and not answered, oldest first (one query)."""
    return list(Refresher.objects.for_user(user).due(today).select_related("module"))
