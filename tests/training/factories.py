import factory
from django.utils import timezone

from training.models import (
    CallReview,
    Choice,
    Criterion,
    Module,
    Program,
    ProgramModule,
    Question,
    Quiz,
    Scorecard,
    Update,
    UpdateKind,
)


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    title = factory.Sequence(lambda n: f"Module {n}")
    summary = "A few minutes on one thing."
    body = "Some **Markdown**."
    estimated_minutes = 5


class QuizFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quiz

    module = factory.SubFactory(ModuleFactory)
    pass_mark = 100
    # Tests that retry at once say so; the cool-down has its own tests.
    cooldown_minutes = 0


def add_question(quiz: Quiz, text: str, choices: list[tuple[str, bool]], explanation: str = "") -> Question:
    question = Question.objects.create(quiz=quiz, text=text, explanation=explanation, order=quiz.questions.count())
    for order, (choice_text, correct) in enumerate(choices):
        Choice.objects.create(question=question, text=choice_text, is_correct=correct, order=order)
    return question


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    name = factory.Sequence(lambda n: f"Program {n}")
    due_days = 30
    onboarding = True
    active = True


def program_with_modules(count: int, **kwargs) -> Program:
    program = ProgramFactory(**kwargs)
    for order in range(count):
        ProgramModule.objects.create(program=program, module=ModuleFactory(), order=order)
    return program


class UpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Update

    title = factory.Sequence(lambda n: f"Update {n}")
    body = "New pricing page."
    kind = UpdateKind.PRODUCT
    requires_acknowledgement = True
    published_at = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(hours=1))


class ScorecardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scorecard

    name = factory.Sequence(lambda n: f"Scorecard {n}")


def scorecard_with(*names: str) -> Scorecard:
    scorecard = ScorecardFactory()
    for order, name in enumerate(names):
        Criterion.objects.create(scorecard=scorecard, name=name, order=order)
    return scorecard


class CallReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallReview

    scorecard = factory.SubFactory(ScorecardFactory)
    call_date = factory.LazyFunction(timezone.localdate)
    transcript = "Rep: Hello…"
