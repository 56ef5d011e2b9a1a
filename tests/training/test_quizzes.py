"""Quiz integrity: pools drawn per attempt, shuffled choices, answers revealed only when the quiz
says so, a cool-down between attempts, and every attempt stored with its answers."""

import random
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.training.factories import QuizFactory, add_question
from training.models import AttemptAnswer, ModuleProgress, QuizAttempt
from training.selectors import quiz_state
from training.services import quiz_attempt_start, quiz_attempt_submit

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def pool_quiz(size: int = 8, draw: int = 4, **kwargs):
    """A quiz of `size` questions of four choices each; the first choice is the right one."""
    quiz = QuizFactory(draw_count=draw, pass_mark=75, **kwargs)
    for n in range(size):
        add_question(
            quiz,
            f"Question {n}?",
            [(f"Right {n}", True), (f"Wrong {n}a", False), (f"Wrong {n}b", False), (f"Wrong {n}c", False)],
            f"Explanation {n}.",
        )
    return quiz


def answer(attempt: QuizAttempt, right: int) -> dict[int, set[int]]:
    """Answers to the attempt's questions: the first `right` of them right, the others wrong."""
    answers = {}
    for index, row in enumerate(attempt.answers.select_related("question").prefetch_related("question__choices")):
        choices = list(row.question.choices.all())
        pick = (
            next(c for c in choices if c.is_correct) if index < right else next(c for c in choices if not c.is_correct)
        )
        answers[row.question_id] = {pick.pk}
    return answers


def drawn(attempt: QuizAttempt) -> set[int]:
    return set(attempt.answers.values_list("question_id", flat=True))


def test_a_pool_of_8_drawing_4_asks_different_questions_each_attempt_with_shuffled_choices(rep):
    quiz = pool_quiz()
    rng = random.Random(18)
    first = quiz_attempt_start(user=rep, quiz=quiz, rng=rng)
    assert len(drawn(first)) == 4
    quiz_attempt_submit(attempt=first, answers=answer(first, right=0))
    second = quiz_attempt_start(user=rep, quiz=quiz, rng=rng)
    # The questions not asked last time come first: with 8 in the pool, the retry shares none.
    assert len(drawn(second)) == 4 and drawn(first).isdisjoint(drawn(second))
    quiz_attempt_submit(attempt=second, answers=answer(second, right=0))
    third = quiz_attempt_start(user=rep, quiz=quiz, rng=rng)
    assert drawn(third) == drawn(first)
    # Choices are shown in a stored, shuffled order: not the authored order for every question.
    authored = {q.pk: [c.pk for c in q.choices.all()] for q in quiz.questions.prefetch_related("choices")}
    orders = [(row.question_id, row.choice_order) for row in AttemptAnswer.objects.filter(attempt__quiz=quiz)]
    assert all(sorted(order) == sorted(authored[pk]) for pk, order in orders)
    assert any(order != authored[pk] for pk, order in orders)


def test_without_shuffling_choices_keep_their_authored_order(rep):
    quiz = pool_quiz(shuffle_choices=False)
    attempt = quiz_attempt_start(user=rep, quiz=quiz, rng=random.Random(1))
    for row in attempt.answers.prefetch_related("question__choices"):
        assert row.choice_order == [c.pk for c in row.question.choices.all()]


def test_a_reload_shows_the_same_open_attempt_and_the_draw_is_not_rerolled(client, rep):
    quiz = pool_quiz()
    client.force_login(rep)
    client.post(reverse("training:quiz_start", args=[quiz.module.pk]))
    attempt = QuizAttempt.objects.get(user=rep)
    first_page = client.get(quiz.module.get_absolute_url()).content.decode()
    client.post(reverse("training:quiz_start", args=[quiz.module.pk]))
    again = client.get(quiz.module.get_absolute_url()).content.decode()
    assert QuizAttempt.objects.filter(user=rep).count() == 1
    shown = re.findall(r'name="question-(\d+)"', first_page)
    assert shown == re.findall(r'name="question-(\d+)"', again)
    assert {int(pk) for pk in shown} == drawn(attempt)
    assert f'name="attempt" value="{attempt.pk}"' in again


def test_every_attempt_is_stored_with_its_answers(rep):
    quiz = pool_quiz()
    attempt = quiz_attempt_start(user=rep, quiz=quiz, rng=random.Random(3))
    answers = answer(attempt, right=3)
    quiz_attempt_submit(attempt=attempt, answers=answers)
    attempt.refresh_from_db()
    assert (attempt.number, attempt.score, attempt.passed) == (1, 75, True)
    assert attempt.submitted_at is not None
    stored = {row.question_id: (set(row.chosen), row.correct) for row in attempt.answers.all()}
    assert {pk: chosen for pk, (chosen, _) in stored.items()} == answers
    assert sorted(correct for _, correct in stored.values()) == [False, True, True, True]
    with pytest.raises(ValidationError, match="already submitted"):
        quiz_attempt_submit(attempt=attempt, answers=answers)


def test_a_failed_attempt_page_contains_no_correct_answer(client, rep):
    quiz = pool_quiz(reveal_after_pass=True, reveal_after_last_attempt=True, max_attempts=None)
    client.force_login(rep)
    client.post(reverse("training:quiz_start", args=[quiz.module.pk]))
    attempt = QuizAttempt.objects.get(user=rep)
    answers = answer(attempt, right=1)
    post = {"attempt": attempt.pk} | {f"question-{pk}": list(chosen) for pk, chosen in answers.items()}
    page = client.post(reverse("training:quiz", args=[quiz.module.pk]), post).content.decode()
    assert "Not passed yet: 25%" in page
    # No right choice's text, no "(correct)" mark, no explanation: only which questions were wrong.
    assert not re.search(r"Right \d", page)
    assert "(correct)" not in page and "Explanation" not in page
    assert page.count(">wrong<") == 3 and page.count(">right<") == 1


def test_the_answers_are_shown_after_the_last_allowed_attempt_when_configured(client, rep):
    quiz = pool_quiz(max_attempts=2, reveal_after_last_attempt=True)
    client.force_login(rep)
    pages = []
    for _ in range(2):
        client.post(reverse("training:quiz_start", args=[quiz.module.pk]))
        attempt = QuizAttempt.objects.get(user=rep, submitted_at__isnull=True)
        post = {"attempt": attempt.pk} | {f"question-{k}": list(v) for k, v in answer(attempt, right=0).items()}
        pages.append(client.post(reverse("training:quiz", args=[quiz.module.pk]), post).content.decode())
    assert "(correct)" not in pages[0] and "Try again" in pages[0]
    assert "(correct)" in pages[1] and "Explanation" in pages[1]
    assert "All 2 attempts are used" in pages[1]
    response = client.post(reverse("training:quiz_start", args=[quiz.module.pk]))
    assert response.status_code == 409
    assert QuizAttempt.objects.filter(user=rep).count() == 2


def test_a_quiz_can_keep_its_answers_even_after_the_last_attempt(rep):
    quiz = pool_quiz(max_attempts=1, reveal_after_last_attempt=False)
    attempt = quiz_attempt_start(user=rep, quiz=quiz)
    quiz_attempt_submit(attempt=attempt, answers=answer(attempt, right=0))
    attempt.refresh_from_db()
    assert not attempt.reveals_answers


def test_the_cool_down_is_enforced_between_attempts(client, rep):
    quiz = pool_quiz(cooldown_minutes=30)
    with time_machine.travel(NOON, tick=False) as clock:
        attempt = quiz_attempt_start(user=rep, quiz=quiz)
        quiz_attempt_submit(attempt=attempt, answers=answer(attempt, right=0))
        clock.shift(timedelta(minutes=29))
        with pytest.raises(ValidationError, match="next attempt opens at 12:30"):
            quiz_attempt_start(user=rep, quiz=quiz)
        client.force_login(rep)
        response = client.post(reverse("training:quiz_start", args=[quiz.module.pk]))
        assert response.status_code == 409
        assert "next attempt opens at 12:30" in response.content.decode()
        assert QuizAttempt.objects.filter(user=rep).count() == 1
        clock.shift(timedelta(minutes=1))
        second = quiz_attempt_start(user=rep, quiz=quiz)
    assert second.number == 2


def test_there_is_no_cool_down_after_a_pass(rep):
    quiz = pool_quiz(cooldown_minutes=30)
    with time_machine.travel(NOON, tick=False):
        attempt = quiz_attempt_start(user=rep, quiz=quiz)
        quiz_attempt_submit(attempt=attempt, answers=answer(attempt, right=4))
        assert quiz_state(user=rep, quiz=quiz).can_start
    progress = ModuleProgress.objects.get(user=rep, module=quiz.module)
    assert progress.completed_at is not None and progress.best_score == 100
