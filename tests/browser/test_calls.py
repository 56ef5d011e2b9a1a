"""The call linter in the browser: a manager uploads a WebVTT file, reads the findings beside the
comments, and a tracker hit scrolls the transcript to its utterance (on a desktop and a phone)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.accounts.factories import PASSWORD
from tests.browser.conftest import log_in
from tests.training.calls.conftest import eager_lint  # noqa: F401 (a fixture)
from training.models import CallReview, Tracker, TrackerKind


def webvtt(rep_name: str) -> str:
    """80 captions; the competitor comes up only in caption 70, far below the transcript's fold."""
    cues = ["WEBVTT", ""]
    for n in range(80):
        speaker = rep_name if n % 2 == 0 else "Sam Ortiz"
        text = "Our renewal is coming up and Vantage quoted us." if n == 70 else f"Point number {n} about reporting."
        start, end = n * 10, n * 10 + 9
        cues += [
            f"00:{start // 60:02d}:{start % 60:02d}.000 --> 00:{end // 60:02d}:{end % 60:02d}.000",
            f"<v {speaker}>{text}",
            "",
        ]
    return "\n".join(cues)


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def test_a_manager_uploads_a_webvtt_file_and_a_tracker_hit_scrolls_the_transcript(
    browser, live_server, transactional_db, manager, rep, tmp_path, viewport
):
    Tracker.objects.create(name="Vantage Analytics", kind=TrackerKind.COMPETITOR, phrases="Vantage")
    Tracker.objects.create(name="Next steps", kind=TrackerKind.NEXT_STEPS, phrases="next step")
    upload = tmp_path / "call.vtt"
    upload.write_text(webvtt(rep.get_full_name()))
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        log_in(page, manager.username, PASSWORD)
        page.goto(f"/learning/people/{rep.pk}/calls/new/")
        page.get_by_label("Call date").fill((timezone.localdate() - timedelta(days=1)).isoformat())
        page.get_by_label("Transcript").set_input_files(str(upload))
        page.get_by_role("button", name="Upload and lint").click()

        # The lint ran on commit (eager in this setup): the findings are beside the comments.
        expect(page.locator(".call-lint")).to_contain_text("No next step agreed")
        expect(page.locator(".call-lint")).to_contain_text("Competitor mentioned: Vantage Analytics")
        review = CallReview.objects.get(rep=rep)
        assert review.call_transcript.rep_speaker == rep.get_full_name()  # suggested from the rep's name

        target = page.locator("#utterance-70")
        expect(target).not_to_be_in_viewport()
        page.locator(".call-lint a.tracker-hit").filter(has_text="vantage").click()
        expect(target).to_be_in_viewport()
        expect(target).to_have_class(re.compile(r"\bis-current\b"))
        assert page.url.endswith("#utterance-70")
        # Nothing wider than the screen: the page scrolls only up and down.
        assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
    finally:
        context.close()
    assert not errors, errors
