"""After passing: the next module of the program, or the program complete and what comes next."""

import pytest
from django.urls import reverse

from tests.training.factories import ModuleFactory, ProgramFactory, QuizFactory, add_question
from training.models import ProgramModule, QuizAttempt
from training.selectors import next_step
from training.services import enrollment_enrol, module_complete, module_start, quiz_submit

pytestmark = pytest.mark.django_db


def quiz_for(module):
    quiz = QuizFactory(module=module, pass_mark=100)
    question = add_question(quiz, f"{module.title}?", [("Yes", True), ("No", False)])
    return quiz, question


def pass_through_the_page(client, quiz, question) -> str:
    client.post(reverse("training:quiz_start", args=[quiz.module.pk]))
    attempt = QuizAttempt.objects.get(quiz=quiz, submitted_at__isnull=True)
    right = question.choices.get(text="Yes").pk
    post = {"attempt": attempt.pk, f"question-{question.pk}": right}
    return client.post(reverse("training:quiz", args=[quiz.module.pk]), post).content.decode()


@pytest.fixture
def onboarding(rep):
    program = ProgramFactory(name="Rep onboarding", onboarding=False)
    modules = [ModuleFactory(title=title) for title in ("Stages", "Discovery", "Pricing")]
    for order, module in enumerate(modules):
        ProgramModule.objects.create(program=program, module=module, order=order)
    enrollment_enrol(user=rep, program=program)
    return program, modules


def test_passing_a_module_offers_the_next_module_of_the_program(client, rep, onboarding):
    _, (stages, discovery, _) = onboarding
    quiz, question = quiz_for(stages)
    client.force_login(rep)
    page = pass_through_the_page(client, quiz, question)
    assert "Passed: 100%" in page
    assert f'href="{discovery.get_absolute_url()}" role="button">Next module: Discovery</a>' in page
    assert "1 of 3 modules done" in page


def test_the_next_module_skips_what_is_done_and_comes_back_to_what_was_skipped(rep, onboarding):
    _, (stages, discovery, pricing) = onboarding
    module_complete(user=rep, module=pricing)
    module_complete(user=rep, module=discovery)
    assert next_step(rep, discovery).module == stages


def test_passing_the_last_module_says_the_program_is_complete_and_what_comes_next(client, rep, onboarding):
    _, (stages, discovery, pricing) = onboarding
    elective = ProgramFactory(name="Negotiation", onboarding=False)
    objections = ModuleFactory(title="Objections")
    ProgramModule.objects.create(program=elective, module=objections, order=0)
    enrollment_enrol(user=rep, program=elective)
    module_complete(user=rep, module=stages)
    module_complete(user=rep, module=discovery)
    quiz, question = quiz_for(pricing)
    client.force_login(rep)
    page = pass_through_the_page(client, quiz, question)
    assert "Program complete: Rep onboarding." in page
    assert f'What comes next: <a href="{objections.get_absolute_url()}" role="button">Objections</a>' in page


def test_with_nothing_left_the_page_says_so(client, rep, onboarding):
    _, (stages, discovery, pricing) = onboarding
    module_complete(user=rep, module=stages)
    module_complete(user=rep, module=discovery)
    client.force_login(rep)
    client.post(reverse("training:module_complete", args=[pricing.pk]))
    page = client.get(pricing.get_absolute_url()).content.decode()
    assert "Program complete: Rep onboarding." in page
    assert "Nothing else is assigned to you now." in page


def test_progress_is_kept_when_a_rep_leaves_mid_module(client, rep, onboarding):
    _, (stages, _, _) = onboarding
    quiz, question = quiz_for(stages)
    client.force_login(rep)
    client.post(reverse("training:quiz_start", args=[stages.pk]))
    client.get(reverse("training:home"))
    # Back later: the module shows as started and the same attempt waits to be answered.
    home = client.get(reverse("training:home")).content.decode()
    assert "started" in home
    page = client.get(stages.get_absolute_url()).content.decode()
    attempt = QuizAttempt.objects.get(user=rep)
    assert f'name="attempt" value="{attempt.pk}"' in page and "Submit answers" in page
    quiz_submit(user=rep, quiz=quiz, answers={question.pk: {question.choices.get(text="Yes").pk}})
    assert QuizAttempt.objects.filter(user=rep).count() == 1
    assert module_start(user=rep, module=stages).completed_at is not None
