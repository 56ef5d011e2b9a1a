"""The write vocabulary of training: enrolment, quiz attempts, acknowledgements, call reviews."""

import random
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Avg
from django.utils import timezone

from accounts.models import Role, Team, User
from collateral.models import AssetType, AssetVersion
from collateral.signals import Announcement
from training import selectors
from training.models import (
    MAX_REVIEW_COMMENTS,
    Acknowledgement,
    AttemptAnswer,
    CallReview,
    CertificationGrant,
    Criterion,
    CriterionScore,
    Enrollment,
    Module,
    ModuleDueDate,
    ModuleProgress,
    Program,
    ProgramModule,
    Quiz,
    QuizAttempt,
    Refresher,
    ReviewComment,
    Scorecard,
    Update,
    UpdateKind,
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
    """Mark complete the open enrolments of `user` whose every module is completed; grant what they certify."""
    completed = set(ModuleProgress.objects.filter(user=user).completed().values_list("module_id", flat=True))
    now = timezone.now()
    for enrollment in Enrollment.objects.filter(user=user).open():
        module_ids = set(
            ProgramModule.objects.filter(program_id=enrollment.program_id).values_list("module_id", flat=True)
        )
        if module_ids and module_ids <= completed:
            enrollment.completed_at = now
            enrollment.save(update_fields=["completed_at"])
    _certifications_refresh(user=user, now=now)


@transaction.atomic
def program_module_add(
    *, program: Program, module: Module, by: User | None, order: int | None = None, today: date | None = None
) -> ProgramModule:
    """Add `module` to `program` (last unless `order` says where); see `program_module_added`."""
    if order is None:
        order = (program.program_modules.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    program_module = ProgramModule(program=program, module=module, order=order)
    program_module.full_clean()
    program_module.save()
    program_module_added(program_module=program_module, by=by, today=today)
    return program_module


@transaction.atomic
def program_module_added(*, program_module: ProgramModule, by: User | None, today: date | None = None) -> Update | None:
    """After a module joined a program: fair due dates for those already enrolled, and an announcement.

    Each enrolment made before gets the module due `due_days` from today, not from its enrolment
    (a ModuleDueDate when that is later than the enrolment's own due date), so nobody is overdue on
    it at once; a completed enrolment opens again for the new module. The change is published as an
    Update to the program's audience (its role, on the teams of the people enrolled). Returns the
    Update, or None when nobody is enrolled.
    """
    program, module = program_module.program, program_module.module
    today = today or timezone.localdate()
    due = today + timedelta(days=program.due_days)
    enrollments = list(Enrollment.objects.filter(program=program).select_related("user"))
    if not enrollments:
        return None
    ModuleDueDate.objects.bulk_create(
        [ModuleDueDate(enrollment=e, module=module, due_date=due) for e in enrollments if e.due_date < due],
        ignore_conflicts=True,
    )
    Enrollment.objects.filter(pk__in=[e.pk for e in enrollments], completed_at__isnull=False).update(completed_at=None)
    update = Update(
        title=f"New in {program}: {module}",
        body=f"“{module}” ({module.estimated_minutes} min) is now part of {program}. "
        f"If you are enrolled, it is due by {due:%d %b %Y}, {program.due_days} days from today.",
        kind=UpdateKind.PROCESS,
        audience_role=program.target_role,
        requires_acknowledgement=True,
        published_at=timezone.now(),
        created_by=by,
    )
    update.full_clean()
    update.save()
    teams = {e.user.team_id for e in enrollments}
    # People without a team are reached only by an update for every team.
    if None not in teams:
        update.audience_teams.set([pk for pk in teams if pk is not None])
    return update


# ---------------------------------------------------------------------------
# Modules and quizzes
# ---------------------------------------------------------------------------


def module_start(*, user: User, module: Module) -> ModuleProgress:
    progress, _ = ModuleProgress.objects.get_or_create(user=user, module=module)
    return progress


@transaction.atomic
def quiz_attempt_start(*, user: User, quiz: Quiz, rng: random.Random | None = None) -> QuizAttempt:
    """Draw a new attempt, or return the open one (a reload or a second tab never re-rolls the draw).

    `quiz.draw_count` questions of the pool, those not asked in the previous attempt first, in a
    random order, each with its choices shuffled when the quiz says so. Raises ValidationError
    while the cool-down after a failed attempt runs, once the allowed attempts are used, and for a
    quiz without questions.
    """
    # Lock the person's progress row: two tabs starting at once draw one attempt.
    module_start(user=user, module=quiz.module)
    ModuleProgress.objects.select_for_update().get(user=user, module=quiz.module)
    state = selectors.quiz_state(user=user, quiz=quiz)
    if state.open_attempt:
        return state.open_attempt
    if state.exhausted:
        raise ValidationError(f"All {quiz.max_attempts} attempts at this quiz are used.")
    if state.opens_at:
        raise ValidationError(f"The next attempt opens at {timezone.localtime(state.opens_at):%H:%M on %d %b %Y}.")
    pool = list(quiz.questions.prefetch_related("choices"))
    if not pool:
        raise ValidationError("This quiz has no questions yet.")
    rng = rng or random.SystemRandom()
    size = min(quiz.draw_count or len(pool), len(pool))
    asked_last = set(state.last.answers.values_list("question_id", flat=True)) if state.last else set()
    fresh = [q for q in pool if q.pk not in asked_last]
    drawn = rng.sample(fresh, min(size, len(fresh)))
    drawn += rng.sample([q for q in pool if q.pk in asked_last], size - len(drawn))
    rng.shuffle(drawn)
    attempt = QuizAttempt(quiz=quiz, user=user, number=state.total + 1)
    attempt.full_clean()
    attempt.save()
    answers = []
    for position, question in enumerate(drawn):
        choice_ids = [choice.pk for choice in question.choices.all()]
        if quiz.shuffle_choices:
            rng.shuffle(choice_ids)
        answers.append(AttemptAnswer(attempt=attempt, question=question, position=position, choice_order=choice_ids))
    AttemptAnswer.objects.bulk_create(answers)
    return attempt


@transaction.atomic
def quiz_attempt_submit(*, attempt: QuizAttempt, answers: Mapping[int, Iterable[int]]) -> QuizAttempt:
    """Score the attempt's drawn questions and store the answers; count it, keep the best score,
    and on a pass complete the module (scheduling its refreshers) and the programs it finishes.

    A question counts only with exactly its correct choices; only the choices shown count.
    Raises ValidationError, storing nothing, for an attempt already submitted or a question
    left unanswered (keyed `question-<id>`).
    """
    attempt = QuizAttempt.objects.select_for_update().select_related("quiz__module").get(pk=attempt.pk)
    if attempt.submitted_at is not None:
        raise ValidationError("This attempt was already submitted.")
    rows = list(attempt.answers.select_related("question").prefetch_related("question__choices"))
    missing = [row.question_id for row in rows if not answers.get(row.question_id)]
    if missing:
        raise ValidationError({f"question-{pk}": "Choose at least one answer." for pk in missing})
    for row in rows:
        row.chosen = sorted(set(answers[row.question_id]) & set(row.choice_order))
        row.correct = frozenset(row.chosen) == row.question.correct_ids
    AttemptAnswer.objects.bulk_update(rows, ["chosen", "correct"])
    quiz = attempt.quiz
    now = timezone.now()
    attempt.score = round(100 * sum(bool(row.correct) for row in rows) / len(rows)) if rows else 0
    attempt.passed = attempt.score >= quiz.pass_mark
    attempt.submitted_at = now
    attempt.save(update_fields=["score", "passed", "submitted_at"])
    # Lock the row: two tabs submitting at once must not lose an attempt.
    progress = ModuleProgress.objects.select_for_update().get(user=attempt.user, module=quiz.module)
    progress.attempts += 1
    progress.last_score = attempt.score
    progress.best_score = max(attempt.score, progress.best_score or 0)
    newly_completed = attempt.passed and progress.completed_at is None
    if newly_completed:
        progress.completed_at = now
    progress.full_clean()
    progress.save()
    if newly_completed:
        refreshers_schedule(user=attempt.user, quiz=quiz, completed_on=timezone.localdate(now))
    if attempt.passed:
        _enrollments_refresh(user=attempt.user)
    return attempt


def quiz_submit(
    *, user: User, quiz: Quiz, answers: Mapping[int, Iterable[int]], rng: random.Random | None = None
) -> QuizAttempt:
    """Start (or take the open) attempt and submit it at once: for the demo loader and tests."""
    return quiz_attempt_submit(attempt=quiz_attempt_start(user=user, quiz=quiz, rng=rng), answers=answers)


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
# Reinforcement: refreshers at spaced intervals, and the retention they measure
# ---------------------------------------------------------------------------


def refreshers_schedule(
    *, user: User, quiz: Quiz, completed_on: date, rng: random.Random | None = None
) -> list[Refresher]:
    """Schedule a refresher `d` days after `completed_on` for each of the quiz's refresher days.

    Each asks `refresher_size` questions of the pool; the pool is gone through in a shuffled
    order, so consecutive refreshers ask different questions while it lasts.
    """
    pool = list(quiz.questions.values_list("pk", flat=True))
    if not pool:
        return []
    (rng or random.SystemRandom()).shuffle(pool)
    size = min(quiz.refresher_size, len(pool))
    refreshers = []
    for step, days in enumerate(quiz.refresher_intervals):
        refresher = Refresher.objects.create(
            user=user, module=quiz.module, interval_days=days, due_on=completed_on + timedelta(days=days)
        )
        refresher.questions.set([pool[(step * size + k) % len(pool)] for k in range(size)])
        refreshers.append(refresher)
    return refreshers


@transaction.atomic
def refresher_answer(
    *, refresher: Refresher, answers: Mapping[int, Iterable[int]], today: date | None = None
) -> Refresher:
    """Score a due refresher (a question counts with exactly its correct choices) and update retention.

    Raises ValidationError, storing nothing, for a refresher answered already or not yet due, or
    with a question left unanswered (keyed `question-<id>`).
    """
    refresher = Refresher.objects.select_for_update().get(pk=refresher.pk)
    if refresher.answered_at is not None:
        raise ValidationError("This refresher was already answered.")
    if refresher.due_on > (today or timezone.localdate()):
        raise ValidationError(f"This refresher is due on {refresher.due_on:%d %b %Y}.")
    questions = list(refresher.questions.prefetch_related("choices"))
    missing = [q.pk for q in questions if not answers.get(q.pk)]
    if missing:
        raise ValidationError({f"question-{pk}": "Choose at least one answer." for pk in missing})
    refresher.asked = len(questions)
    refresher.correct = sum(frozenset(answers[q.pk]) == q.correct_ids for q in questions)
    refresher.answered_at = timezone.now()
    refresher.save(update_fields=["asked", "correct", "answered_at"])
    _retention_update(user=refresher.user, module=refresher.module)
    return refresher


def retention_score(refreshers: Iterable[Refresher]) -> int | None:
    """The answered refreshers' percent right, each weighted by its interval in days: remembering
    after 30 days says more than after 2. None before any is answered.

    Worked example, refreshers at 2, 7 and 30 days of two questions each:
      day 2, 2 of 2 right (100 %):  2·100 / 2                          = 100
      day 7, 1 of 2 right (50 %):   (2·100 + 7·50) / (2 + 7)  = 550/9   = 61
      day 30, 2 of 2 right (100 %): (550 + 30·100) / (9 + 30) = 3550/39 = 91
    """
    answered = [r for r in refreshers if r.answered_at is not None and r.asked]
    weights = sum(r.interval_days for r in answered)
    if not weights:
        return None
    return round(sum(r.interval_days * 100 * r.correct / r.asked for r in answered) / weights)


def _retention_update(*, user: User, module: Module) -> ModuleProgress:
    progress = module_start(user=user, module=module)
    progress.retention = retention_score(Refresher.objects.filter(user=user, module=module))
    progress.save(update_fields=["retention"])
    return progress


# ---------------------------------------------------------------------------
# Certifications: granted on completion, renewed before they expire
# ---------------------------------------------------------------------------


def program_score(*, user: User, program: Program) -> int:
    """The average best score of the program's quizzes (100 for a program without quizzes)."""
    average = ModuleProgress.objects.filter(
        user=user, module__program_modules__program=program, module__quiz__isnull=False
    ).aggregate(a=Avg("best_score"))["a"]
    has_quiz = Quiz.objects.filter(module__program_modules__program=program).exists()
    return round(average or 0) if has_quiz else 100


def _certifications_refresh(*, user: User, now: datetime) -> list[CertificationGrant]:
    """Grant the certification of each completed program not granted since its enrolment, when the score is enough."""
    granted = []
    completed = Enrollment.objects.filter(
        user=user, completed_at__isnull=False, program__certification__isnull=False
    ).select_related("program__certification")
    for enrollment in completed:
        certification = enrollment.program.certification
        grants = CertificationGrant.objects.filter(user=user, certification=certification)
        if grants.filter(granted_at__gte=enrollment.enrolled_at).exists():
            continue
        score = program_score(user=user, program=enrollment.program)
        if score < certification.min_score:
            continue
        today = timezone.localdate(now)
        previous = grants.first()
        # Renewing before expiry loses no days: the new validity runs on from the old one's end.
        start = max(today, previous.expires_on) if previous else today
        grant = CertificationGrant(
            certification=certification,
            user=user,
            granted_at=now,
            expires_on=start + timedelta(days=certification.valid_days),
            score=score,
        )
        grant.full_clean()
        grant.save()
        granted.append(grant)
    return granted


def certifications_renew(*, today: date | None = None) -> list[Enrollment]:
    """Enrol again every active holder whose newest grant has entered its renewal window (once per grant)."""
    today = today or timezone.localdate()
    grants = (
        CertificationGrant.objects.latest_per_holder()
        .filter(renewal_started_at__isnull=True, user__is_active=True)
        .select_related("certification__program", "user")
    )
    return [enrollment_renew(grant=grant, today=today) for grant in grants if grant.renew_from() <= today]


@transaction.atomic
def enrollment_renew(*, grant: CertificationGrant, today: date | None = None) -> Enrollment:
    """Enrol the holder of `grant` in its program again, due the last day the grant is valid.

    Renewing means passing the program's modules again: their progress starts over (best scores,
    attempt counts and completion; the stored attempts stay), and the enrolment opens again.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    program = grant.certification.program
    due = max(today, grant.expires_on - timedelta(days=1))
    enrollment, created = Enrollment.objects.get_or_create(
        user=grant.user, program=program, defaults={"due_date": due, "enrolled_at": now}
    )
    if not created:
        enrollment.enrolled_at, enrollment.completed_at, enrollment.due_date = now, None, due
        enrollment.save(update_fields=["enrolled_at", "completed_at", "due_date"])
        enrollment.module_due_dates.all().delete()
    ModuleProgress.objects.filter(user=grant.user, module__program_modules__program=program).update(
        started_at=now, completed_at=None, best_score=None, last_score=None, attempts=0
    )
    grant.renewal_started_at = now
    grant.save(update_fields=["renewal_started_at"])
    return enrollment


# ---------------------------------------------------------------------------
# Updates: continuous learning as `git pull`
# ---------------------------------------------------------------------------


@transaction.atomic
def update_announce_version(*, version: AssetVersion, by: User | None, announcement: Announcement) -> Update:
    """Post an update, live now, about a newly published collateral version, to the announcement's
    role and teams: a battlecard is competitive news, any other asset product news."""
    asset = version.asset
    lines = [f"**{asset.title}** ({asset.asset_id}) is now at version {version.version}."]
    if version.changelog:
        lines += ["", version.changelog]
    buyers = ", ".join(asset.audiences.values_list("name", flat=True))
    if buyers:
        lines += ["", f"Written for: {buyers}."]
    lines += ["", f"[Open it in the library]({asset.get_permalink()})"]
    update = Update(
        title=f"New version of {asset.title}: {version.version}"[:200],
        body="\n".join(lines),
        kind=UpdateKind.COMPETITIVE if asset.type == AssetType.BATTLECARD else UpdateKind.PRODUCT,
        audience_role=announcement.audience_role,
        requires_acknowledgement=announcement.requires_acknowledgement,
        published_at=timezone.now(),
        created_by=by,
    )
    update.full_clean()
    update.save()
    update.audience_teams.set(Team.objects.filter(pk__in=announcement.team_ids))
    return update


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


def _check_comment_count(review: CallReview) -> None:
    if review.comments.count() >= MAX_REVIEW_COMMENTS:
        raise ValidationError({"text": f"At most {MAX_REVIEW_COMMENTS} comments per review."})


@transaction.atomic
def review_comment_add(*, review: CallReview, author: User, at_seconds: int, text: str) -> ReviewComment:
    """A timestamped comment on a review, after it was written. Who may: the rule training.comment_on_review."""
    if not author.has_perm("training.comment_on_review", review):
        raise PermissionDenied("Only a coach of this rep comments on the call.")
    _check_comment_count(review)
    comment = ReviewComment(review=review, author=author, at_seconds=at_seconds, text=text)
    comment.full_clean()
    comment.save()
    return comment


@transaction.atomic
def review_comment_reply(*, parent: ReviewComment, author: User, text: str) -> ReviewComment:
    """An answer to a comment (the rep's, or a coach's), at the comment's moment of the call."""
    review = parent.review
    if not author.has_perm("training.reply_on_review", review):
        raise PermissionDenied("Only the reviewed rep and their coaches answer comments.")
    if parent.parent_id is not None:
        raise ValidationError({"text": "Answer the comment itself, not an answer to it."})
    _check_comment_count(review)
    reply = ReviewComment(review=review, parent=parent, author=author, at_seconds=parent.at_seconds, text=text)
    reply.full_clean()
    reply.save()
    return reply


@transaction.atomic
def review_comment_edit(*, comment: ReviewComment, by: User, text: str, at_seconds: int | None = None) -> ReviewComment:
    """Change a comment's text (and, for a comment that is not an answer, its moment): its author only."""
    if not by.has_perm("training.change_review_comment", comment):
        raise PermissionDenied("Only its author edits a comment.")
    comment.text = text
    if at_seconds is not None and comment.parent_id is None:
        comment.at_seconds = at_seconds
        # Answers stay with the moment of their comment.
        comment.replies.update(at_seconds=at_seconds)
    comment.edited_at = timezone.now()
    comment.full_clean()
    comment.save()
    return comment
