"""The write vocabulary of training: enrolment, quiz attempts, acknowledgements, call reviews."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, Team, User
from training.models import (
    MAX_REVIEW_COMMENTS,
    Acknowledgement,
    CallReview,
    Criterion,
    CriterionScore,
    Enrollment,
    Module,
    ModuleProgress,
    Program,
    ProgramModule,
    Quiz,
    ReviewComment,
    Scorecard,
    Update,
)

# ---------------------------------------------------------------------------
# Enrolment: onboarding as `git clone`
# ---------------------------------------------------------------------------


@transaction.atomic
def enrollment_enrol(
    *, user: User, program: Program, by: User | None = None, start: date | None = None
) -> tuple[Enrollment, bool]:
    """Enrol `user` (once: an existing enrolment is returned as it is); due `due_days` after `start`."""
    existing = Enrollment.objects.filter(user=user, program=program).first()
    if existing:
        return existing, False
    start = start or timezone.localdate()
    enrollment = Enrollment(
        user=user, program=program, enrolled_by=by, due_date=start + timedelta(days=program.due_days)
    )
    enrollment.full_clean()
    enrollment.save()
    _enrollments_refresh(user=user)
    return enrollment, True


def enrollment_enrol_new_rep(*, user: User, today: date | None = None) -> list[Enrollment]:
    """Enrol a new rep in the active onboarding programs for their role, due from their start date.

    A rep is new for a program while its window (start date + due days) has not passed, so that
    editing a veteran's profile never drops them into onboarding made after they ramped.
    """
    if user.role != Role.REP or user.start_date is None or not user.is_active:
        return []
    today = today or timezone.localdate()
    enrolled = []
    for program in Program.objects.onboarding_for(user.role).exclude(enrollments__user=user):
        if user.start_date + timedelta(days=program.due_days) >= today:
            enrolled.append(enrollment_enrol(user=user, program=program, start=user.start_date)[0])
    return enrolled


@transaction.atomic
def enrollment_enrol_people(*, people: Iterable[User], program: Program, by: User) -> list[Enrollment]:
    """Enrol each person (those already enrolled stay as they are); returns the new enrolments."""
    return [e for e, created in (enrollment_enrol(user=p, program=program, by=by) for p in people) if created]


def enrollment_enrol_team(*, team: Team, program: Program, by: User) -> list[Enrollment]:
    members = User.objects.filter(team=team, is_active=True, role=program.target_role)
    return enrollment_enrol_people(people=members, program=program, by=by)


@transaction.atomic
def coaching_assign(*, rep: User, stage_label: str, modules: list[Module], due_date: date, by: User) -> Enrollment:
    """Enrol `rep` in the modules that teach a stage, due on `due_date` (coaching's "Assign").

    Enrolment is per program, so the modules go through one program per stage ("Coaching:
    Discovery", not onboarding), kept to the modules given. A rep already enrolled in it gets
    the new due date and, if they had finished it, it is opened again. Raises ValidationError
    when there is no module or the due date has passed.
    """
    if not modules:
        raise ValidationError({"modules": "No module teaches this stage yet."})
    if due_date < timezone.localdate():
        raise ValidationError({"due_date": "Choose a due date from today on."})
    program, _ = Program.objects.get_or_create(
        name=f"Coaching: {stage_label}",
        defaults={"description": f"Modules for the {stage_label} stage, assigned by coaching.", "onboarding": False},
    )
    for order, module in enumerate(modules):
        ProgramModule.objects.update_or_create(program=program, module=module, defaults={"order": order})
    enrollment, created = enrollment_enrol(user=rep, program=program, by=by)
    if not created:
        enrollment.due_date, enrollment.completed_at, enrollment.enrolled_by = due_date, None, by
    else:
        enrollment.due_date = due_date
    enrollment.full_clean()
    enrollment.save()
    _enrollments_refresh(user=rep)
    enrollment.refresh_from_db()
    return enrollment


def _enrollments_refresh(*, user: User) -> None:
    """Mark complete the open enrolments of `user` whose every module is completed."""
    completed = set(ModuleProgress.objects.filter(user=user).completed().values_list("module_id", flat=True))
    now = timezone.now()
    for enrollment in Enrollment.objects.filter(user=user).open():
        module_ids = set(
            ProgramModule.objects.filter(program_id=enrollment.program_id).values_list("module_id", flat=True)
        )
        if module_ids and module_ids <= completed:
            enrollment.completed_at = now
            enrollment.save(update_fields=["completed_at"])


# ---------------------------------------------------------------------------
# Modules and quizzes
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionResult:
    question_id: int
    correct: bool
    chosen: frozenset[int]
    correct_ids: frozenset[int]
    explanation: str


@dataclass(frozen=True)
class QuizResult:
    score: int
    passed: bool
    pass_mark: int
    questions: list[QuestionResult]
    progress: ModuleProgress


def module_start(*, user: User, module: Module) -> ModuleProgress:
    progress, _ = ModuleProgress.objects.get_or_create(user=user, module=module)
    return progress


def quiz_score(*, quiz: Quiz, answers: Mapping[int, Iterable[int]]) -> tuple[int, list[QuestionResult]]:
    """Score answers ({question id: chosen choice ids}); a question counts only with exactly its correct choices."""
    questions = list(quiz.questions.prefetch_related("choices"))
    results = []
    for question in questions:
        chosen = frozenset(answers.get(question.pk, ()))
        correct_ids = question.correct_ids
        results.append(QuestionResult(question.pk, chosen == correct_ids, chosen, correct_ids, question.explanation))
    score = round(100 * sum(r.correct for r in results) / len(results)) if results else 0
    return score, results


@transaction.atomic
def quiz_submit(*, user: User, quiz: Quiz, answers: Mapping[int, Iterable[int]]) -> QuizResult:
    """Score an attempt, count it, keep the best score, and complete the module on a pass."""
    missing = [q.pk for q in quiz.questions.all() if not answers.get(q.pk)]
    if missing:
        raise ValidationError({f"question-{pk}": "Choose at least one answer." for pk in missing})
    score, results = quiz_score(quiz=quiz, answers=answers)
    # Lock the row: two tabs submitting at once must not lose an attempt.
    module_start(user=user, module=quiz.module)
    progress = ModuleProgress.objects.select_for_update().get(user=user, module=quiz.module)
    progress.attempts += 1
    progress.last_score = score
    progress.best_score = max(score, progress.best_score or 0)
    passed = score >= quiz.pass_mark
    if passed and progress.completed_at is None:
        progress.completed_at = timezone.now()
    progress.full_clean()
    progress.save()
    if passed:
        _enrollments_refresh(user=user)
    return QuizResult(score, passed, quiz.pass_mark, results, progress)


@transaction.atomic
def module_complete(*, user: User, module: Module) -> ModuleProgress:
    """Complete a module that has no quiz (one with a quiz is completed by passing it)."""
    if Quiz.objects.filter(module=module).exists():
        raise ValidationError("Pass the quiz to complete this module.")
    progress = module_start(user=user, module=module)
    if progress.completed_at is None:
        progress.completed_at = timezone.now()
        progress.save(update_fields=["completed_at"])
        _enrollments_refresh(user=user)
    return progress


# ---------------------------------------------------------------------------
# Updates: continuous learning as `git pull`
# ---------------------------------------------------------------------------


@transaction.atomic
def update_acknowledge(*, update: Update, user: User) -> Acknowledgement:
    if not Update.objects.for_user(user).published().filter(pk=update.pk).exists():
        raise ValidationError("This update is not addressed to you.")
    acknowledgement, _ = Acknowledgement.objects.get_or_create(update=update, user=user)
    return acknowledgement


# ---------------------------------------------------------------------------
# Call reviews: feedback as code review
# ---------------------------------------------------------------------------


@transaction.atomic
def call_review_create(
    *,
    reviewer: User,
    rep: User,
    scorecard: Scorecard,
    call_date: date,
    scores: Mapping[int, int],
    comments: Iterable[tuple[int, str]] = (),
    recording_url: str = "",
    transcript: str = "",
    notes: str = "",
) -> CallReview:
    """Write a review of `rep`'s call: a score for every criterion of the scorecard, timestamped comments."""
    if not User.objects.for_user(reviewer).filter(pk=rep.pk, role=Role.REP).exists():
        raise ValidationError({"rep": "You can review only reps on your team."})
    review = CallReview(
        rep=rep,
        reviewer=reviewer,
        scorecard=scorecard,
        call_date=call_date,
        recording_url=recording_url,
        transcript=transcript,
        notes=notes,
    )
    review.full_clean()
    criteria = list(Criterion.objects.filter(scorecard=scorecard))
    missing = [c.name for c in criteria if c.pk not in scores]
    if missing:
        raise ValidationError({"scores": f"Score every criterion; missing: {', '.join(missing)}."})
    review.save()
    for criterion in criteria:
        score = CriterionScore(review=review, criterion=criterion, score=scores[criterion.pk])
        score.full_clean()
        score.save()
    review_comments = [ReviewComment(review=review, at_seconds=at, text=text, author=reviewer) for at, text in comments]
    if len(review_comments) > MAX_REVIEW_COMMENTS:
        raise ValidationError({"comments": f"At most {MAX_REVIEW_COMMENTS} comments per review."})
    # Every comment is checked before any is written, then all are written in one statement.
    # The review and author are known good, so their per-row existence queries are skipped.
    for comment in review_comments:
        comment.clean_fields(exclude=["review", "author"])
    ReviewComment.objects.bulk_create(review_comments)
    return review


def call_review_acknowledge(*, review: CallReview, user: User) -> CallReview:
    if review.rep_id != user.pk:
        raise ValidationError("Only the reviewed rep acknowledges a review.")
    if review.acknowledged_at is None:
        review.acknowledged_at = timezone.now()
        review.save(update_fields=["acknowledged_at"])
    return review
