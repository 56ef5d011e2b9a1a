"""Refreshers at spaced intervals on the rep's home, and the retention score managers read."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.training.factories import QuizFactory, add_question
from training.home import refresher_card
from training.models import ModuleProgress, Refresher
from training.services import quiz_submit, refresher_answer, retention_score

pytestmark = pytest.mark.django_db

DAY_0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def quiz():
    quiz = QuizFactory(pass_mark=50, refresher_days="2, 7, 30", refresher_size=2)
    for n in range(4):
        add_question(quiz, f"Question {n}?", [(f"Right {n}", True), (f"Wrong {n}", False)])
    return quiz


def right_answers(quiz) -> dict[int, set[int]]:
    return {q.pk: {c.pk for c in q.choices.all() if c.is_correct} for q in quiz.questions.prefetch_related("choices")}


def answers_for(refresher: Refresher, right: int) -> dict[int, set[int]]:
    """The first `right` of the refresher's questions answered right, the rest wrong."""
    answers = {}
    for index, question in enumerate(refresher.questions.order_by("pk").prefetch_related("choices")):
        answers[question.pk] = {c.pk for c in question.choices.all() if c.is_correct == (index < right)}
    return answers


def card_labels(user) -> list[str]:
    card = refresher_card(user, timezone.localdate())
    return [item.label for item in card.items]


def test_refreshers_arrive_at_the_configured_days_and_retention_follows_the_answers(client, rep, manager, quiz):
    with time_machine.travel(DAY_0, tick=False) as clock:
        quiz_submit(user=rep, quiz=quiz, answers=right_answers(quiz))
        refreshers = list(Refresher.objects.filter(user=rep).order_by("due_on"))
        assert [r.interval_days for r in refreshers] == [2, 7, 30]
        assert [r.due_on.isoformat() for r in refreshers] == ["2026-03-04", "2026-03-09", "2026-04-01"]
        # Each asks two questions, and the first two refreshers ask four different ones (the pool's four).
        assert all(r.questions.count() == 2 for r in refreshers)
        assert {q for r in refreshers[:2] for q in r.questions.values_list("pk", flat=True)} == set(
            quiz.questions.values_list("pk", flat=True)
        )
        assert card_labels(rep) == []

        clock.shift(timedelta(days=1))
        assert card_labels(rep) == []
        clock.shift(timedelta(days=1))  # day 2
        assert card_labels(rep) == [f"Refresher: {quiz.module.title}"]
        home = client_home(client, rep)
        assert reverse("training:refresher", args=[refreshers[0].pk]) in home
        # Day 2, both right: 2·100 / 2 = 100.
        refresher_answer(refresher=refreshers[0], answers=answers_for(refreshers[0], right=2))
        assert retention(rep, quiz) == 100
        assert card_labels(rep) == []

        clock.shift(timedelta(days=5))  # day 7
        assert card_labels(rep) == [f"Refresher: {quiz.module.title}"]
        # Day 7, one of two right: (2·100 + 7·50) / (2 + 7) = 550 / 9 = 61.1 → 61.
        refresher_answer(refresher=refreshers[1], answers=answers_for(refreshers[1], right=1))
        assert retention(rep, quiz) == 61

        clock.shift(timedelta(days=22))  # day 29: the last one is not due yet
        assert card_labels(rep) == []
        clock.shift(timedelta(days=1))  # day 30
        # Day 30, both right: (550 + 30·100) / (9 + 30) = 3550 / 39 = 91.0 → 91.
        client.force_login(rep)  # a new session: the clock has moved past the last one's age
        response = client.post(
            reverse("training:refresher", args=[refreshers[2].pk]),
            {f"question-{k}": list(v) for k, v in answers_for(refreshers[2], right=2).items()},
        )
        assert "2 of 2 right (100%)" in response.content.decode()
        assert "Your retention of this module: 91%." in response.content.decode()
        assert retention(rep, quiz) == 91

    client.force_login(manager)
    page = client.get(reverse("training:team")).content.decode()
    assert "Retention by module" in page and "91%" in page


def client_home(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("accounts:home")).content.decode()


def retention(rep, quiz) -> int | None:
    return ModuleProgress.objects.get(user=rep, module=quiz.module).retention


def test_a_refresher_is_refused_before_it_is_due_and_once_answered(client, rep, quiz):
    with time_machine.travel(DAY_0, tick=False) as clock:
        quiz_submit(user=rep, quiz=quiz, answers=right_answers(quiz))
        first = Refresher.objects.filter(user=rep).order_by("due_on").first()
        client.force_login(rep)
        early = client.post(reverse("training:refresher", args=[first.pk]), {})
        assert early.status_code == 400 and "due on 04 Mar 2026" in early.content.decode()
        clock.shift(timedelta(days=2))
        client.force_login(rep)
        missing = client.post(reverse("training:refresher", args=[first.pk]), {})
        assert missing.status_code == 400 and "Choose an answer to this question." in missing.content.decode()
        refresher_answer(refresher=first, answers=answers_for(first, right=2))
        again = client.post(
            reverse("training:refresher", args=[first.pk]),
            {f"question-{k}": list(v) for k, v in answers_for(first, right=0).items()},
        )
        assert again.status_code == 400 and "already answered" in again.content.decode()
    first.refresh_from_db()
    assert (first.correct, first.asked) == (2, 2)


def test_retention_is_weighted_by_interval():
    def answered(days, correct, asked=2):
        return Refresher(interval_days=days, correct=correct, asked=asked, answered_at=DAY_0)

    assert retention_score([]) is None
    assert retention_score([Refresher(interval_days=2, asked=0)]) is None
    # (2·0 + 30·100) / 32 = 93.75 → 94: remembering after a month outweighs a slip at day 2.
    assert retention_score([answered(2, 0), answered(30, 2)]) == 94


def test_a_rep_sees_only_their_own_refreshers(client, rep, teammate, quiz):
    with time_machine.travel(DAY_0, tick=False) as clock:
        quiz_submit(user=rep, quiz=quiz, answers=right_answers(quiz))
        clock.shift(timedelta(days=2))
        theirs = Refresher.objects.filter(user=rep).first()
        client.force_login(teammate)
        assert client.get(reverse("training:refresher", args=[theirs.pk])).status_code == 404
        assert card_labels(teammate) == []


@pytest.mark.parametrize("size", [3, 30])
def test_the_refresher_card_takes_one_query(rep, quiz, size, django_assert_num_queries):
    for _ in range(size):
        Refresher.objects.create(user=rep, module=quiz.module, interval_days=2, due_on=DAY_0.date())
    with time_machine.travel(DAY_0 + timedelta(days=1), tick=False), django_assert_num_queries(1):
        assert len(card_labels(rep)) == size
