"""Learning flows in a real browser: a new rep's first module and update, a manager's call review."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from tests.accounts.factories import PASSWORD, UserFactory
from tests.browser.conftest import log_in
from tests.training.factories import (
    ModuleFactory,
    ProgramFactory,
    QuizFactory,
    UpdateFactory,
    add_question,
    scorecard_with,
)
from tests.training.test_markdown import XSS_CORPUS
from training.models import ProgramModule


def test_a_module_built_from_xss_payloads_raises_no_dialog(browser, live_server, transactional_db, rep):
    module = ModuleFactory(title="Hostile input", body="\n\n".join(XSS_CORPUS))
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    dialogs, errors = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # A broken <img src="x"> may 404; anything else on the console (a CSP violation) is a failure.
    page.on(
        "console",
        lambda msg: msg.type == "error" and "Failed to load resource" not in msg.text and errors.append(msg.text),
    )
    log_in(page, rep.username, PASSWORD)
    page.goto(module.get_absolute_url())
    expect(page.get_by_role("heading", name="Hostile input")).to_be_visible()
    # What is left of the links must be harmless; clicking those with no href must do nothing.
    for link in page.locator(".module-body a").all():
        href = link.get_attribute("href")
        assert href is None or href.startswith(("https://", "http://", "mailto:")), href
        if href is None:
            link.click()
    page.wait_for_timeout(300)
    context.close()
    assert dialogs == []
    assert errors == []


@pytest.fixture
def onboarding(transactional_db):
    program = ProgramFactory(name="Rep onboarding", due_days=30)
    module = ModuleFactory(title="The six stages", body="Deals start in **LeadIn**.")
    ProgramModule.objects.create(program=program, module=module, order=0)
    quiz = QuizFactory(module=module, pass_mark=100)
    add_question(quiz, "Where does every deal start?", [("LeadIn", True), ("Closing", False)], "It starts in LeadIn.")
    UpdateFactory(title="GTK 500 price change", body="New prices from January.")
    return program


def test_a_new_rep_completes_a_module_and_its_quiz_and_acknowledges_an_update(page, onboarding, team, manager):
    new_rep = UserFactory(
        username="nina.new", first_name="Nina", role=Role.REP, team=team, start_date=timezone.localdate()
    )
    log_in(page, new_rep.username, PASSWORD)
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Learning").click()
    expect(page.get_by_text("0 of 1 modules done (0%)")).to_be_visible()
    page.get_by_role("button", name="The six stages").click()

    page.get_by_role("button", name="Start the quiz").click()
    page.get_by_label("Closing").check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("status")).to_contain_text("Not passed yet: 0%")
    page.get_by_role("button", name="Try again").click()
    page.get_by_label("LeadIn").check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.locator(".quiz-result")).to_contain_text("Passed: 100%")
    expect(page.locator(".quiz-result")).to_contain_text("Attempt 2, best 100%")

    nav.get_by_role("link", name="Learning").click()
    expect(page.get_by_text("Completed", exact=False).first).to_be_visible()
    expect(page.get_by_text("1 of 1 modules done (100%)")).to_be_visible()

    updates = nav.get_by_role("link", name="Updates")
    expect(updates).to_contain_text("1 unread")
    updates.click()
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("status")).to_contain_text("Acknowledged “GTK 500 price change”")
    expect(nav.get_by_role("link", name="Updates")).not_to_contain_text("unread")


def test_a_manager_writes_a_call_review_and_the_rep_reads_it(
    browser, live_server, page, transactional_db, manager, rep
):
    scorecard_with("Opening", "Next step agreed")
    log_in(page, manager.username, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team learning").click()
    page.get_by_role("row", name=str(rep)).get_by_role("link", name="Review a call").click()
    page.get_by_label("Call date").fill((timezone.localdate() - timedelta(days=1)).isoformat())
    page.get_by_label("Opening").select_option("4")
    page.get_by_label("Next step agreed").select_option("2")
    page.get_by_label("Transcript").fill("Rep: Thanks for joining…")
    page.get_by_label("Timestamped comments").fill("12:05 No next step was agreed\n00:40 Great agenda setting")
    page.get_by_role("button", name="Save review").click()
    comments = page.locator(".review-comments li")
    expect(comments).to_have_count(2)
    expect(comments.nth(0)).to_contain_text("00:40 Great agenda setting")

    context = browser.new_context(base_url=live_server.url)
    rep_page = context.new_page()
    log_in(rep_page, rep.username, PASSWORD)
    rep_page.get_by_role("navigation", name="Main").get_by_role("link", name="Learning").click()
    rep_page.get_by_role("link", name="My call reviews").click()
    rep_page.get_by_role("table").get_by_role("link").first.click()
    rep_comments = rep_page.locator(".review-comments li")
    expect(rep_comments.nth(0)).to_contain_text("00:40")
    expect(rep_comments.nth(1)).to_contain_text("12:05 No next step was agreed")
    expect(rep_page.get_by_text("Opening")).to_be_visible()
    rep_page.get_by_role("button", name="I have read this review").click()
    expect(rep_page.get_by_text("Acknowledged by")).to_be_visible()
    context.close()
