"""A module, its quiz, the quiz's questions and choices, and its programs on one admin page.

Each test counts the rows before and after a save: nothing typed on the page is dropped
silently, and a refused save writes nothing and names each invalid part where it is.
"""

import pytest
from django.urls import reverse

from tests.training.factories import ModuleFactory, ProgramFactory, QuizFactory, add_question
from training.models import Choice, Module, ProgramModule, Question, Quiz

pytestmark = pytest.mark.django_db

ADD_MODULE = reverse("admin:training_module_add")
PREVIEW = reverse("admin:training_module_preview")


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def management(prefix: str, total: int, initial: int = 0) -> dict:
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial)}


def page(questions: list[tuple[str, list[tuple[str, bool]]]], pass_mark: str = "80", **module) -> dict:  # noqa: S107 (a quiz pass mark)
    """The POST of the module page: a module with one quiz (pass mark left at its default unless
    given) and these questions with their choices."""
    data = {
        "title": "Discovery calls",
        "summary": "Ask before you pitch.",
        "body": "## Open questions\n\nAsk *why now*.",
        "video_url": "",
        "estimated_minutes": "5",
        "tags": "",
        **management("program_modules", 0),
        **management("quiz", 1),
        **defaults(Quiz, "quiz-0"),
        "quiz-0-pass_mark": pass_mark,
        **management("quiz-0-questions", len(questions)),
    }
    for q, (text, choices) in enumerate(questions):
        prefix = f"quiz-0-questions-{q}"
        data[f"{prefix}-text"] = text
        data[f"{prefix}-explanation"] = ""
        data[f"{prefix}-order"] = str(q)
        data.update(management(f"{prefix}-choices", len(choices)))
        for c, (choice, correct) in enumerate(choices):
            data[f"{prefix}-choices-{c}-text"] = choice
            data[f"{prefix}-choices-{c}-order"] = str(c)
            if correct:
                data[f"{prefix}-choices-{c}-is_correct"] = "on"
    return data | module


def defaults(model, prefix: str) -> dict:
    """The form values of `model`'s fields left at their defaults (whatever fields the quiz model has)."""
    data = {}
    for field in model._meta.concrete_fields:
        if field.editable and field.has_default() and not field.primary_key:
            value = field.get_default()
            if isinstance(value, bool):
                if value:
                    data[f"{prefix}-{field.name}"] = "on"
            elif not isinstance(value, (list, dict)):
                data[f"{prefix}-{field.name}"] = str(value)
    return data


def counts() -> tuple[int, int, int, int]:
    return Module.objects.count(), Quiz.objects.count(), Question.objects.count(), Choice.objects.count()


TWO_QUESTIONS = [
    ("What comes first?", [("Questions", True), ("The demo", False)]),
    ("Who decides?", [("The economic buyer", True), ("The champion", False), ("Nobody", False)]),
]


def test_it_saves_a_module_its_quiz_questions_and_choices_from_one_page(admin_client):
    before = counts()
    response = admin_client.post(ADD_MODULE, page(TWO_QUESTIONS))
    assert response.status_code == 302, response.context and response.context["errors"]
    assert counts() == (before[0] + 1, before[1] + 1, before[2] + 2, before[3] + 5)
    quiz = Module.objects.get(title="Discovery calls").quiz
    # The pass mark left at its default does not drop the quiz (nor its questions).
    assert quiz.pass_mark == 80
    who = quiz.questions.get(text="Who decides?")
    assert [(c.text, c.is_correct) for c in who.choices.all()] == [
        ("The economic buyer", True),
        ("The champion", False),
        ("Nobody", False),
    ]


def test_it_reports_each_invalid_part_where_it_is_and_saves_nothing(admin_client):
    before = counts()
    data = page(
        [
            ("No correct answer here", [("A", False), ("B", False)]),
            ("", [("Text missing above", True), ("Other", False)]),
            ("A lonely choice", [("Only one", True)]),
        ],
        pass_mark="0",
        estimated_minutes="12",
    )
    # A choice ticked correct but without its text.
    data.update(management("quiz-0-questions-0-choices", 3))
    data["quiz-0-questions-0-choices-2-is_correct"] = "on"
    data["quiz-0-questions-0-choices-2-order"] = "2"
    response = admin_client.post(ADD_MODULE, data)
    assert response.status_code == 200
    assert counts() == before
    html = response.content.decode()
    assert "Ensure this value is less than or equal to 10." in html  # the module
    quiz = response.context["inline_admin_formsets"][0].formset
    assert quiz.prefix == "quiz"
    assert "pass_mark" in quiz.forms[0].errors
    questions = quiz.forms[0].nested_formsets[0]
    assert "text" in questions.forms[1].errors
    first, _, third = (question.nested_formsets[0] for question in questions.forms)
    assert "Mark at least one choice as correct." in first.non_form_errors()
    assert "text" in first.forms[2].errors
    assert "Give this question at least 2 choices." in third.non_form_errors()
    for message in ["Mark at least one choice as correct.", "Give this question at least 2 choices."]:
        assert message in html


def test_a_question_typed_under_an_untouched_quiz_is_saved_with_it(admin_client):
    module = ModuleFactory()
    data = page(TWO_QUESTIONS[:1], title=module.title, summary=module.summary, body=module.body)
    data["estimated_minutes"] = str(module.estimated_minutes)
    response = admin_client.post(reverse("admin:training_module_change", args=[module.pk]), data)
    assert response.status_code == 302
    assert module.quiz.questions.get().choices.count() == 2


def test_an_existing_quiz_gets_a_new_question_and_loses_a_choice(admin_client):
    quiz = QuizFactory()
    question = add_question(quiz, "Old?", [("Yes", True), ("No", False), ("Maybe", False)])
    module = quiz.module
    choices = list(question.choices.all())
    data = {
        "title": module.title,
        "summary": module.summary,
        "body": module.body,
        "video_url": "",
        "estimated_minutes": str(module.estimated_minutes),
        "tags": "",
        **management("program_modules", 0),
        **management("quiz", 1, 1),
        "quiz-0-id": str(quiz.pk),
        "quiz-0-module": str(module.pk),
        **defaults(Quiz, "quiz-0"),
        "quiz-0-pass_mark": "60",
        **management("quiz-0-questions", 2, 1),
        "quiz-0-questions-0-id": str(question.pk),
        "quiz-0-questions-0-quiz": str(quiz.pk),
        "quiz-0-questions-0-text": "Old?",
        "quiz-0-questions-0-order": "0",
        **management("quiz-0-questions-0-choices", 3, 3),
        "quiz-0-questions-1-text": "New?",
        "quiz-0-questions-1-order": "1",
        **management("quiz-0-questions-1-choices", 2),
        "quiz-0-questions-1-choices-0-text": "Right",
        "quiz-0-questions-1-choices-0-is_correct": "on",
        "quiz-0-questions-1-choices-0-order": "0",
        "quiz-0-questions-1-choices-1-text": "Wrong",
        "quiz-0-questions-1-choices-1-order": "1",
    }
    for i, choice in enumerate(choices):
        data |= {
            f"quiz-0-questions-0-choices-{i}-id": str(choice.pk),
            f"quiz-0-questions-0-choices-{i}-question": str(question.pk),
            f"quiz-0-questions-0-choices-{i}-text": choice.text,
            f"quiz-0-questions-0-choices-{i}-order": str(i),
        }
        if choice.is_correct:
            data[f"quiz-0-questions-0-choices-{i}-is_correct"] = "on"
    data["quiz-0-questions-0-choices-2-DELETE"] = "on"
    before = counts()
    response = admin_client.post(reverse("admin:training_module_change", args=[module.pk]), data)
    assert response.status_code == 302, response.context["errors"]
    assert counts() == (before[0], before[1], before[2] + 1, before[3] + 2 - 1)
    quiz.refresh_from_db()
    assert quiz.pass_mark == 60


def test_a_module_is_added_to_programs_from_its_page(admin_client):
    onboarding, refresher = ProgramFactory(name="Onboarding"), ProgramFactory(name="Refresher")
    data = page([]) | management("quiz", 0) | management("program_modules", 2)
    data |= {
        "program_modules-0-program": str(onboarding.pk),
        "program_modules-0-order": "3",
        "program_modules-1-program": str(refresher.pk),
        "program_modules-1-order": "1",
    }
    response = admin_client.post(ADD_MODULE, data)
    assert response.status_code == 302
    module = Module.objects.get(title="Discovery calls")
    placed = ProgramModule.objects.filter(module=module).order_by("program__name")
    assert [(p.program.name, p.order) for p in placed] == [("Onboarding", 3), ("Refresher", 1)]


def test_the_module_page_carries_the_live_preview(admin_client):
    response = admin_client.get(ADD_MODULE)
    html = response.content.decode()
    assert f'data-preview-url="{PREVIEW}"' in html
    assert "js/markdown_preview.js" in html


def test_the_preview_renders_markdown_through_the_same_sanitiser(admin_client):
    response = admin_client.post(PREVIEW, {"body": "**bold** <script>alert(1)</script> [x](javascript:alert(1))"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>bold</strong>" in html
    assert "script" not in html
    assert "javascript:" not in html


def test_the_preview_answers_only_post_and_only_to_admins(client, admin_client, rep):
    assert admin_client.get(PREVIEW).status_code == 405
    client.force_login(rep)
    assert client.post(PREVIEW, {"body": "x"}).status_code in {302, 403}


# ---------------------------------------------------------------------------
# Updates: draft, scheduled and published said plainly
# ---------------------------------------------------------------------------
def update_form(**overrides) -> dict:
    return {
        "title": "New pricing",
        "body": "From **May**.",
        "kind": "product",
        "audience_role": "",
        "requires_acknowledgement": "on",
        "published_at_0": "",
        "published_at_1": "",
    } | overrides


def test_saving_an_update_without_a_date_says_it_is_a_draft(admin_client):
    response = admin_client.post(reverse("admin:training_update_add"), update_form(), follow=True)
    assert "“New pricing” is a draft: nobody sees it until you set “Published at”." in response.content.decode()


def test_saving_an_update_dated_later_says_when_it_goes_live(admin_client):
    response = admin_client.post(
        reverse("admin:training_update_add"),
        update_form(published_at_0="2099-05-01", published_at_1="09:00:00"),
        follow=True,
    )
    assert "“New pricing” is scheduled: it goes live on 2099-05-01 09:00" in response.content.decode()


def test_the_update_list_has_a_status_column_and_filter(admin_client):
    from django.utils import timezone

    from tests.training.factories import UpdateFactory

    UpdateFactory(title="Live one", published_at=timezone.now())
    UpdateFactory(title="Later one", published_at=timezone.now() + timezone.timedelta(days=3))
    UpdateFactory(title="Unfinished one", published_at=None)
    changelist = reverse("admin:training_update_changelist")
    for status, title in [("draft", "Unfinished one"), ("scheduled", "Later one"), ("published", "Live one")]:
        html = admin_client.get(changelist, {"status": status}).content.decode()
        assert title in html
        assert sum(other in html for other in ["Live one", "Later one", "Unfinished one"]) == 1
    assert "Scheduled" in admin_client.get(changelist).content.decode()
