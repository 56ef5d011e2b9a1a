"""Authoring in Django admin with a real browser: a module, its quiz, questions and choices on
one page (django-nested-admin's JavaScript under our CSP), the live Markdown preview, and a rep
taking the quiz that was just written."""

from playwright.sync_api import expect

from tests.accounts.factories import PASSWORD
from tests.browser.conftest import log_in
from training.models import Choice, Module, Question, Quiz

QUESTIONS = [
    ("What comes before the demo?", [("Discovery", True), ("The contract", False)]),
    ("Who signs the contract?", [("The intern", False), ("The economic buyer", True)]),
]


def test_an_admin_writes_a_module_with_a_two_question_quiz_on_one_page_and_a_rep_takes_it(
    browser, live_server, page, transactional_db, admin, rep
):
    log_in(page, admin.username, PASSWORD)
    page.goto("/admin/training/module/add/")
    page.get_by_label("Title").fill("Discovery before demo")
    page.get_by_label("Summary").fill("Ask before you show.")
    page.get_by_label("Body").fill("## Why\n\nAsk **why now** first.")
    # The live preview renders the Markdown as reps will see it.
    expect(page.locator(".markdown-preview-body strong")).to_have_text("why now")
    expect(page.locator(".markdown-preview-body h2")).to_have_text("Why")
    page.get_by_label("Estimated minutes").fill("5")

    page.get_by_role("link", name="Add another Quiz").click()
    page.locator('[name="quiz-0-pass_mark"]').fill("100")
    for q, (text, choices) in enumerate(QUESTIONS):
        page.get_by_role("link", name="Add another Question").click()
        page.locator(f'[name="quiz-0-questions-{q}-text"]').fill(text)
        page.locator(f'[name="quiz-0-questions-{q}-order"]').fill(str(q))
        for c, (choice, correct) in enumerate(choices):
            page.locator(".djn-add-handler.djn-model-training-choice").nth(q).click()
            page.locator(f'[name="quiz-0-questions-{q}-choices-{c}-text"]').fill(choice)
            page.locator(f'[name="quiz-0-questions-{q}-choices-{c}-order"]').fill(str(c))
            if correct:
                page.locator(f'[name="quiz-0-questions-{q}-choices-{c}-is_correct"]').check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    module = Module.objects.get(title="Discovery before demo")
    assert Quiz.objects.get(module=module).pass_mark == 100
    assert Question.objects.filter(quiz__module=module).count() == 2
    assert Choice.objects.filter(question__quiz__module=module).count() == 4

    context = browser.new_context(base_url=live_server.url)
    rep_page = context.new_page()
    errors: list[str] = []
    rep_page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(rep_page, rep.username, PASSWORD)
    rep_page.goto(module.get_absolute_url())
    expect(rep_page.get_by_role("heading", name="Why")).to_be_visible()
    # An attempt is drawn when the rep starts it (the quiz's question pool).
    rep_page.get_by_role("button", name="Start the quiz").click()
    rep_page.get_by_role("radio", name="Discovery", exact=True).check()
    rep_page.get_by_role("radio", name="The economic buyer").check()
    rep_page.get_by_role("button", name="Submit answers").click()
    expect(rep_page.locator(".quiz-result")).to_contain_text("Passed: 100%")
    context.close()
    assert errors == []


def test_the_module_page_reports_a_question_without_a_correct_choice_in_place(page, transactional_db, admin):
    log_in(page, admin.username, PASSWORD)
    page.goto("/admin/training/module/add/")
    page.get_by_label("Title").fill("Objections")
    page.get_by_label("Summary").fill("Three moves.")
    page.get_by_label("Body").fill("Listen.")
    page.get_by_label("Estimated minutes").fill("3")
    page.get_by_role("link", name="Add another Quiz").click()
    page.get_by_role("link", name="Add another Question").click()
    page.locator('[name="quiz-0-questions-0-text"]').fill("Which move first?")
    for c, choice in enumerate(["Agree", "Argue"]):
        page.locator(".djn-add-handler.djn-model-training-choice").first.click()
        page.locator(f'[name="quiz-0-questions-0-choices-{c}-text"]').fill(choice)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".errornote")).to_be_visible()
    expect(page.get_by_text("Mark at least one choice as correct.")).to_be_visible()
    # What was typed is still there, to be fixed rather than typed again.
    expect(page.locator('[name="quiz-0-questions-0-text"]')).to_have_value("Which move first?")
    assert not Module.objects.exists()
