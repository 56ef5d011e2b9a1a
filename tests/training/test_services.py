"""Enrolment, quiz scoring and progress, update acknowledgement, call reviews."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Role
from tests.accounts.factories import UserFactory
from tests.training.factories import (
    ProgramFactory,
    QuizFactory,
    UpdateFactory,
    add_question,
    program_with_modules,
    scorecard_with,
)
from training.models import MAX_REVIEW_COMMENTS, CallReview, Enrollment, ModuleProgress, ProgramModule
from training.selectors import programs_of, unread_update_count
from training.services import (
    call_review_acknowledge,
    call_review_create,
    enrollment_enrol,
    enrollment_enrol_team,
    module_complete,
    quiz_submit,
    update_acknowledge,
)

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------
# Auto-enrolment and due dates
# ---------------------------------------------------------------------------


def test_creating_a_rep_enrols_them_in_active_onboarding_programs_due_from_their_start(team):
    onboarding = ProgramFactory(name="Rep onboarding", due_days=45)
    ProgramFactory(name="Retired onboarding", active=False)
    ProgramFactory(name="Elective", onboarding=False)
    ProgramFactory(name="Manager onboarding", target_role=Role.MANAGER)
    start = timezone.localdate() - timedelta(days=3)

    new_rep = UserFactory(role=Role.REP, team=team, start_date=start)

    enrollment = Enrollment.objects.get(user=new_rep)
    assert enrollment.program == onboarding
    assert enrollment.due_date == start + timedelta(days=45)


def test_a_rep_without_a_start_date_is_enrolled_once_it_is_set(team):
    ProgramFactory(due_days=30)
    new_rep = UserFactory(role=Role.REP, team=team, start_date=None)
    assert not Enrollment.objects.filter(user=new_rep).exists()
    new_rep.start_date = timezone.localdate()
    new_rep.save()
    assert Enrollment.objects.filter(user=new_rep).count() == 1
    new_rep.save()
    assert Enrollment.objects.filter(user=new_rep).count() == 1


def test_managers_and_veterans_are_not_auto_enrolled(team):
    ProgramFactory(due_days=30)
    manager = UserFactory(role=Role.MANAGER, team=team, start_date=timezone.localdate())
    veteran = UserFactory(role=Role.REP, team=team, start_date=timezone.localdate() - timedelta(days=400))
    assert not Enrollment.objects.filter(user__in=[manager, veteran]).exists()


def test_a_log_in_does_not_re_run_enrolment(team, django_assert_num_queries):
    ProgramFactory(due_days=30)
    new_rep = UserFactory(role=Role.REP, team=team, start_date=timezone.localdate())
    with django_assert_num_queries(1):
        new_rep.last_login = timezone.now()
        new_rep.save(update_fields=["last_login"])


def test_an_enrolment_is_overdue_after_its_due_date_until_completed(rep):
    program = program_with_modules(1, due_days=10)
    enrollment, created = enrollment_enrol(user=rep, program=program, start=date(2026, 1, 1))
    assert created
    assert enrollment.due_date == date(2026, 1, 11)
    assert not enrollment.is_overdue(today=date(2026, 1, 11))
    assert enrollment.is_overdue(today=date(2026, 1, 12))
    assert Enrollment.objects.overdue(today=date(2026, 1, 12)).filter(pk=enrollment.pk).exists()
    module_complete(user=rep, module=program.modules.get())
    enrollment.refresh_from_db()
    assert enrollment.completed_at is not None
    assert not enrollment.is_overdue(today=date(2026, 1, 12))


def test_enrolling_twice_keeps_the_first_enrolment(rep, manager):
    program = ProgramFactory(onboarding=False)
    first, _ = enrollment_enrol(user=rep, program=program, start=date(2026, 1, 1))
    again, created = enrollment_enrol(user=rep, program=program, by=manager)
    assert not created and again.pk == first.pk and again.due_date == first.due_date


def test_a_team_is_enrolled_by_role(rep, teammate, manager, other_rep):
    program = ProgramFactory(onboarding=False)
    enrolled = enrollment_enrol_team(team=rep.team, program=program, by=manager)
    assert {e.user for e in enrolled} == {rep, teammate}
    assert all(e.enrolled_by == manager for e in enrolled)


# ---------------------------------------------------------------------------
# Quizzes
# ---------------------------------------------------------------------------


@pytest.fixture
def quiz():
    quiz = QuizFactory(pass_mark=50)
    single = add_question(quiz, "Which stage comes after Discovery?", [("Technical demo", True), ("Proposal", False)])
    multiple = add_question(
        quiz,
        "What does BANT confirm?",
        [("Budget", True), ("Authority", True), ("Colour", False)],
        "Budget, Authority…",
    )
    quiz.single, quiz.multiple = single, multiple
    return quiz


def choice(question, text):
    return question.choices.get(text=text).pk


def test_single_and_multiple_choice_are_scored_all_or_nothing(rep, quiz):
    answers = {
        quiz.single.pk: {choice(quiz.single, "Technical demo")},
        # Only one of the two right answers: the question counts as wrong.
        quiz.multiple.pk: {choice(quiz.multiple, "Budget")},
    }
    result = quiz_submit(user=rep, quiz=quiz, answers=answers)
    assert result.score == 50
    stored = {a.question_id: (a.correct, set(a.chosen)) for a in result.answers.all()}
    assert stored == {
        quiz.single.pk: (True, {choice(quiz.single, "Technical demo")}),
        quiz.multiple.pk: (False, {choice(quiz.multiple, "Budget")}),
    }


def test_extra_wrong_choice_makes_a_multiple_choice_question_wrong(rep, quiz):
    multiple = quiz.multiple
    answers = {
        quiz.single.pk: {choice(quiz.single, "Proposal")},
        multiple.pk: {choice(multiple, "Budget"), choice(multiple, "Authority"), choice(multiple, "Colour")},
    }
    assert quiz_submit(user=rep, quiz=quiz, answers=answers).score == 0


def test_the_pass_mark_decides_completion_and_attempts_and_best_score_are_kept(rep, quiz):
    quiz.pass_mark = 100
    quiz.save()
    wrong = {quiz.single.pk: {choice(quiz.single, "Proposal")}, quiz.multiple.pk: {choice(quiz.multiple, "Budget")}}
    half = {
        quiz.single.pk: {choice(quiz.single, "Technical demo")},
        quiz.multiple.pk: {choice(quiz.multiple, "Colour")},
    }
    right = {
        quiz.single.pk: {choice(quiz.single, "Technical demo")},
        quiz.multiple.pk: {choice(quiz.multiple, "Budget"), choice(quiz.multiple, "Authority")},
    }
    first = quiz_submit(user=rep, quiz=quiz, answers=half)
    assert (first.score, first.passed) == (50, False)
    second = quiz_submit(user=rep, quiz=quiz, answers=wrong)
    assert second.score == 0
    progress = ModuleProgress.objects.get(user=rep, module=quiz.module)
    assert (progress.attempts, progress.best_score, progress.last_score, progress.completed_at) == (2, 50, 0, None)
    third = quiz_submit(user=rep, quiz=quiz, answers=right)
    assert third.passed
    progress.refresh_from_db()
    assert (progress.attempts, progress.best_score) == (3, 100)
    assert progress.completed_at is not None
    # A later failed attempt neither lowers the best score nor un-completes the module.
    quiz_submit(user=rep, quiz=quiz, answers=wrong)
    progress.refresh_from_db()
    assert (progress.attempts, progress.best_score) == (4, 100)
    assert progress.completed_at is not None


def test_an_unanswered_question_is_refused_and_not_counted(rep, quiz):
    with pytest.raises(ValidationError) as error:
        quiz_submit(user=rep, quiz=quiz, answers={quiz.single.pk: {choice(quiz.single, "Proposal")}})
    assert f"question-{quiz.multiple.pk}" in error.value.message_dict
    assert not ModuleProgress.objects.filter(user=rep, attempts__gt=0).exists()


def test_a_module_with_a_quiz_is_completed_only_by_passing_it(rep, quiz):
    with pytest.raises(ValidationError):
        module_complete(user=rep, module=quiz.module)


def test_passing_the_last_module_completes_the_program(rep, quiz):
    program = ProgramFactory(onboarding=False)
    ProgramModule.objects.create(program=program, module=quiz.module, order=0)
    enrollment, _ = enrollment_enrol(user=rep, program=program)
    right = {
        quiz.single.pk: {choice(quiz.single, "Technical demo")},
        quiz.multiple.pk: {choice(quiz.multiple, "Budget"), choice(quiz.multiple, "Authority")},
    }
    quiz_submit(user=rep, quiz=quiz, answers=right)
    enrollment.refresh_from_db()
    assert enrollment.completed_at is not None
    [progress] = programs_of(rep)
    assert (progress.percent, progress.next_module) == (100, None)


def test_progress_counts_modules_done_and_points_to_the_next(rep):
    program = program_with_modules(4, onboarding=False)
    enrollment_enrol(user=rep, program=program)
    modules = [pm.module for pm in program.program_modules.all()]
    module_complete(user=rep, module=modules[0])
    module_complete(user=rep, module=modules[2])
    [progress] = programs_of(rep)
    assert (progress.completed, progress.total, progress.percent) == (2, 4, 50)
    assert progress.next_module == modules[1]


# ---------------------------------------------------------------------------
# Updates
# ---------------------------------------------------------------------------


def test_unread_counts_only_published_updates_for_my_role_and_team(rep, team, other_team):
    UpdateFactory(title="for everyone")
    UpdateFactory(title="for reps", audience_role=Role.REP)
    UpdateFactory(title="for managers", audience_role=Role.MANAGER)
    UpdateFactory(title="draft", published_at=None)
    UpdateFactory(title="scheduled", published_at=timezone.now() + timedelta(days=1))
    UpdateFactory(title="for my team").audience_teams.add(team)
    UpdateFactory(title="for another team").audience_teams.add(other_team)
    assert unread_update_count(rep) == 3


def test_acknowledging_an_update_lowers_the_unread_count_once(rep):
    update = UpdateFactory()
    UpdateFactory()
    assert unread_update_count(rep) == 2
    update_acknowledge(update=update, user=rep)
    update_acknowledge(update=update, user=rep)
    assert unread_update_count(rep) == 1
    assert update.acknowledgements.count() == 1


def test_an_update_for_someone_else_cannot_be_acknowledged(rep):
    update = UpdateFactory(audience_role=Role.MANAGER)
    with pytest.raises(ValidationError):
        update_acknowledge(update=update, user=rep)
    assert not update.acknowledgements.exists()


# ---------------------------------------------------------------------------
# Call reviews
# ---------------------------------------------------------------------------


def test_a_manager_reviews_a_call_with_scores_and_comments_in_order(rep, manager):
    scorecard = scorecard_with("Discovery", "Next steps")
    discovery, next_steps = scorecard.criteria.all()
    review = call_review_create(
        reviewer=manager,
        rep=rep,
        scorecard=scorecard,
        call_date=timezone.localdate(),
        recording_url="https://recordings.example/call.mp4",
        scores={discovery.pk: 4, next_steps.pk: 2},
        comments=[(200, "No next step agreed"), (75, "Great open question")],
    )
    assert [c.timestamp for c in review.comments.all()] == ["01:15", "03:20"]
    assert {s.criterion.name: s.score for s in review.scores.all()} == {"Discovery": 4, "Next steps": 2}


def one_criterion_review(*, reviewer, rep) -> dict:
    """call_review_create's arguments for a transcript scored 3 on a one-criterion scorecard."""
    scorecard = scorecard_with("Discovery")
    return {
        "reviewer": reviewer,
        "rep": rep,
        "scorecard": scorecard,
        "call_date": timezone.localdate(),
        "transcript": "…",
        "scores": {scorecard.criteria.get().pk: 3},
    }


def test_a_reviews_comments_are_written_in_a_fixed_number_of_queries(rep, manager, django_assert_max_num_queries):
    review_of = one_criterion_review(reviewer=manager, rep=rep)
    comments = [(n, f"comment {n}") for n in range(MAX_REVIEW_COMMENTS)]
    # Checks and inserts of the review and its score (12 with the savepoints), then the comments in
    # bulk: one insert on PostgreSQL, two on SQLite (999 variables a statement). One by one was 600.
    with django_assert_max_num_queries(15):
        review = call_review_create(**review_of, comments=comments)
    assert review.comments.count() == MAX_REVIEW_COMMENTS


def test_a_review_with_too_many_comments_or_a_blank_one_saves_nothing(rep, manager):
    base = one_criterion_review(reviewer=manager, rep=rep)
    with pytest.raises(ValidationError, match="At most"):
        call_review_create(**base, comments=[(n, "x") for n in range(MAX_REVIEW_COMMENTS + 1)])
    with pytest.raises(ValidationError):
        call_review_create(**base, comments=[(1, "fine"), (2, "")])
    assert not CallReview.objects.exists()


def test_a_review_needs_every_score_in_range_and_a_recording_or_transcript(rep, manager):
    scorecard = scorecard_with("Discovery", "Next steps")
    discovery, next_steps = scorecard.criteria.all()
    base = {"reviewer": manager, "rep": rep, "scorecard": scorecard, "call_date": timezone.localdate()}
    with pytest.raises(ValidationError, match="missing: Next steps"):
        call_review_create(**base, transcript="…", scores={discovery.pk: 3})
    with pytest.raises(ValidationError):
        call_review_create(**base, transcript="…", scores={discovery.pk: 3, next_steps.pk: 6})
    with pytest.raises(ValidationError) as error:
        call_review_create(**base, scores={discovery.pk: 3, next_steps.pk: 3})
    assert "recording_url" in error.value.message_dict
    assert not rep.call_reviews.exists()


def test_a_manager_cannot_review_another_teams_rep(manager, other_rep):
    with pytest.raises(ValidationError):
        call_review_create(**one_criterion_review(reviewer=manager, rep=other_rep))


def test_only_the_reviewed_rep_acknowledges(rep, teammate, manager):
    review = call_review_create(**one_criterion_review(reviewer=manager, rep=rep))
    with pytest.raises(ValidationError):
        call_review_acknowledge(review=review, user=teammate)
    call_review_acknowledge(review=review, user=rep)
    assert review.acknowledged_at is not None
