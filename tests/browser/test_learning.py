"""Issue 18 in a real browser: a rep fails a quiz (no answers shown), passes, goes on to the next
module; a manager comments at the recording's current time, on the review form and after it."""

import io
import re
import wave
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.accounts.factories import PASSWORD
from tests.browser.conftest import log_in
from tests.training.factories import (
    CallReviewFactory,
    ModuleFactory,
    ProgramFactory,
    QuizFactory,
    add_question,
    scorecard_with,
)
from training.models import ProgramModule, RecordingHost
from training.services import enrollment_enrol

RECORDING = "https://calls.example.com/call-42.wav"


def silent_wav(seconds: int) -> bytes:
    """A real, playable recording: `seconds` of silence, 8 kHz mono 8-bit PCM."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(1)
        audio.setframerate(8000)
        audio.writeframes(b"\x80" * 8000 * seconds)
    return buffer.getvalue()


@pytest.fixture
def recording(page):
    """The allowlisted recording host, answered by the browser's network layer with a real WAV file
    (with byte ranges, as a media server answers, so that the player can seek)."""
    RecordingHost.objects.create(host="calls.example.com")
    body = silent_wav(90)

    def serve(route) -> None:
        headers = {"Content-Type": "audio/wav", "Accept-Ranges": "bytes"}
        asked = re.match(r"bytes=(\d+)-(\d*)", route.request.headers.get("range", ""))
        if not asked:
            route.fulfill(status=200, body=body, headers=headers)
            return
        start = int(asked[1])
        end = int(asked[2]) if asked[2] else len(body) - 1
        headers["Content-Range"] = f"bytes {start}-{end}/{len(body)}"
        route.fulfill(status=206, body=body[start : end + 1], headers=headers)

    page.route(re.compile(r"^https://calls\.example\.com/"), serve)
    return RECORDING


def seek(page, seconds: int) -> None:
    """What a reviewer does with the player's slider: wait for the recording, move to `seconds`, pause."""
    # Functions, not expressions: Playwright evaluates an expression string with eval, which the CSP refuses.
    page.wait_for_function("() => document.getElementById('recording').readyState >= 1")
    page.evaluate(f"() => {{ document.getElementById('recording').currentTime = {seconds}; }}")
    at_second(page, seconds)


def at_second(page, seconds: int) -> None:
    page.wait_for_function(f"() => Math.floor(document.getElementById('recording').currentTime) === {seconds}")


def test_a_rep_fails_without_seeing_answers_passes_and_goes_to_the_next_module(page, transactional_db, rep):
    program = ProgramFactory(name="Rep onboarding", onboarding=False)
    first = ModuleFactory(title="The six stages")
    second = ModuleFactory(title="Discovery questions")
    ProgramModule.objects.create(program=program, module=first, order=0)
    ProgramModule.objects.create(program=program, module=second, order=1)
    quiz = QuizFactory(module=first, pass_mark=100, draw_count=1, cooldown_minutes=0)
    add_question(quiz, "Where does every deal start?", [("LeadIn", True), ("Closing", False)], "It starts in LeadIn.")
    add_question(quiz, "Which stage follows LeadIn?", [("Discovery", True), ("Proposal", False)], "Discovery.")
    enrollment_enrol(user=rep, program=program)

    log_in(page, rep.username, PASSWORD)
    page.goto(first.get_absolute_url())
    page.get_by_role("button", name="Start the quiz").click()
    # One question drawn of two; answer it wrong.
    wrong = page.locator("#quiz label").filter(has_text=re.compile("Closing|Proposal"))
    expect(wrong).to_have_count(1)
    asked = page.locator("#quiz legend").inner_text()
    wrong.click()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("status")).to_contain_text("Not passed yet: 0%")
    panel = page.locator("#quiz")
    expect(panel).to_contain_text("wrong")
    for secret in ("(correct)", "It starts in LeadIn.", "Discovery."):
        expect(panel).not_to_contain_text(secret)

    page.get_by_role("button", name="Try again").click()
    # The retry draws the other question.
    expect(page.locator("#quiz legend")).not_to_have_text(asked)
    page.locator("#quiz label").filter(has_text=re.compile("^ ?(LeadIn|Discovery)$")).click()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("status")).to_contain_text("Passed: 100%")
    expect(panel).to_contain_text("(correct)")

    page.get_by_role("button", name="Next module: Discovery questions").click()
    expect(page.get_by_role("heading", name="Discovery questions", level=1)).to_be_visible()
    page.get_by_role("button", name="Mark as done").click()
    expect(page.get_by_text("Program complete: Rep onboarding.")).to_be_visible()


def test_a_manager_comments_at_the_players_current_time(page, recording, transactional_db, manager, rep):
    scorecard_with("Opening")
    log_in(page, manager.username, PASSWORD)
    page.goto(f"/learning/people/{rep.pk}/review/")
    page.get_by_label("Call date").fill((timezone.localdate() - timedelta(days=1)).isoformat())
    page.get_by_label("Opening").select_option("4")
    player = page.locator("#recording")
    expect(player).to_be_hidden()
    page.get_by_label("Recording url").fill(recording)
    page.get_by_label("Recording url").blur()
    expect(player).to_be_visible()
    seek(page, 75)
    page.get_by_role("button", name="Comment at current time").click()
    comments = page.get_by_label("Timestamped comments")
    expect(comments).to_have_value("01:15 ")
    comments.press("End")
    comments.type("Pricing came too early")
    page.get_by_role("button", name="Save review").click()
    expect(page.locator(".review-comments > li").first).to_contain_text("01:15 Pricing came too early")

    # After the review: the player on the review page stamps a new comment too.
    seek(page, 62)
    page.get_by_role("button", name="Comment at current time").click()
    expect(page.get_by_label("At")).to_have_value("01:02")
    page.locator("form.comment-form textarea").fill("Good silence here")
    page.get_by_role("button", name="Add comment").click()
    threads = page.locator(".review-comments > li")
    expect(threads).to_have_count(2)
    expect(threads.nth(0)).to_contain_text("01:02 Good silence here")
    # A timestamp seeks the player.
    threads.nth(1).locator("a.timestamp").click()
    page.evaluate("() => document.getElementById('recording').pause()")
    at_second(page, 75)


def test_the_rep_answers_a_comment_in_the_browser(page, transactional_db, manager, rep):
    review = CallReviewFactory(rep=rep, reviewer=manager, transcript="Rep: Hello")
    review.comments.create(at_seconds=3750, text="Why discount here?", author=manager)
    log_in(page, rep.username, PASSWORD)
    page.goto(review.get_absolute_url())
    expect(page.locator(".review-comments > li").first).to_contain_text("1:02:30 Why discount here?")
    page.get_by_text("Answer this comment").click()
    page.get_by_role("textbox", name="Answer").fill("The customer asked for it.")
    page.get_by_role("button", name="Answer 1:02:30").click()
    expect(page.locator(".comment-replies")).to_contain_text("The customer asked for it.")
