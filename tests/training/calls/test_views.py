from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.pipeline.factories import DealFactory
from tests.training.calls.conftest import WEBVTT_CALL
from training.calls.services import call_upload
from training.models import CallReview


def post_upload(client, rep, content=None, name="call.vtt", **fields):
    content = WEBVTT_CALL.encode() if content is None else content
    data = {"call_date": (timezone.localdate() - timedelta(days=1)).isoformat(), "rep_speaker": "", **fields}
    data["transcript"] = SimpleUploadedFile(name, content, content_type="text/vtt")
    return client.post(reverse("training:call_upload", args=[rep.pk]), data)


def linted_review(manager, rep, django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return call_upload(
            uploader=manager, rep=rep, call_date=timezone.localdate(), transcript=WEBVTT_CALL, filename="c.vtt",
            rep_speaker="Alice Rep", **kwargs,
        )  # fmt: skip


def test_a_manager_uploads_a_webvtt_file_and_lands_on_the_findings(
    client, manager, rep, trackers, django_capture_on_commit_callbacks
):
    deal = DealFactory(owner=rep, name="Acme renewal")
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_upload(client, rep, deal=deal.pk, rep_speaker="Alice Rep")
    review = CallReview.objects.get()
    assert response.status_code == 302 and response["Location"] == review.get_absolute_url()
    assert review.deal == deal
    page = client.get(review.get_absolute_url()).content.decode()
    assert "No next step agreed" in page
    assert "Pricing discussed (“price”) before Acme renewal met the Discovery exit criteria" in page
    # Each hit links to its utterance's anchor in the transcript.
    assert 'href="#utterance-2" class="utterance-link tracker-hit"' in page
    assert 'id="utterance-2"' in page


def test_an_unreadable_file_is_refused_with_the_reason_and_nothing_is_stored(client, manager, rep, trackers):
    client.force_login(manager)
    response = post_upload(client, rep, content=b"this is not a caption file", name="call.vtt")
    assert response.status_code == 400
    assert "Not a readable WebVTT file" in response.content.decode()
    response = post_upload(client, rep, content=b"\xff\xfe\x00bad", name="call.txt")
    assert "is not UTF-8 text" in response.content.decode()
    assert not CallReview.objects.exists()


def test_the_deal_list_offers_only_the_reps_deals(client, manager, rep, teammate, trackers):
    client.force_login(manager)
    response = post_upload(client, rep, deal=DealFactory(owner=teammate).pk)
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()


def test_a_rep_reads_the_findings_of_their_own_calls_only(
    client, manager, rep, teammate, other_manager, trackers, django_capture_on_commit_callbacks
):
    review = linted_review(manager, rep, django_capture_on_commit_callbacks)
    url = review.get_absolute_url()
    client.force_login(rep)
    page = client.get(url).content.decode()
    assert "Call linter" in page and "No next step agreed" in page
    # The rep reads; only a coach chooses the rep's speaker.
    assert reverse("training:call_rep_speaker", args=[review.pk]) not in page
    client.force_login(teammate)
    assert client.get(url).status_code == 404
    client.force_login(other_manager)
    assert client.get(url).status_code == 404
    assert (
        client.post(reverse("training:call_rep_speaker", args=[review.pk]), {"speaker": "Sam Ortiz"}).status_code == 404
    )


def test_a_coach_relints_with_another_speaker(client, manager, rep, trackers, django_capture_on_commit_callbacks):
    review = linted_review(manager, rep, django_capture_on_commit_callbacks)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("training:call_rep_speaker", args=[review.pk]), {"speaker": "Sam Ortiz"})
    assert response.status_code == 302
    review.call_transcript.refresh_from_db()
    assert review.call_transcript.rep_speaker == "Sam Ortiz"
    assert not review.lint.hits.filter(tracker__name="Pricing").exists()


def test_the_review_page_with_a_lint_keeps_its_query_count(
    client, manager, rep, trackers, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    review = linted_review(manager, rep, django_capture_on_commit_callbacks)
    client.force_login(manager)
    # The review page's 12 and the transcript, lint, findings and hits.
    with django_assert_max_num_queries(16):
        assert client.get(review.get_absolute_url()).status_code == 200


def test_the_team_page_shows_the_trends_of_the_team(
    client, manager, rep, other_rep, other_manager, trackers, django_capture_on_commit_callbacks
):
    linted_review(manager, rep, django_capture_on_commit_callbacks)
    linted_review(other_manager, other_rep, django_capture_on_commit_callbacks)
    client.force_login(manager)
    trends = client.get(reverse("training:team")).context["call_trends"]
    # Alice: 15 of 40 s of talk, one question; two findings: no next step, the competitor (no deal: no pricing rule).
    assert [(t.rep, t.calls, t.talk_percent, t.questions, t.findings) for t in trends] == [
        (rep.get_full_name(), 1, 37.5, 1.0, 2)
    ]


def test_an_uploaded_call_on_the_reps_home_says_it_was_uploaded_not_scored(
    client, manager, rep, trackers, django_capture_on_commit_callbacks
):
    linted_review(manager, rep, django_capture_on_commit_callbacks)
    client.force_login(rep)
    page = client.get(reverse("accounts:home")).content.decode()
    assert f"uploaded by {manager}, linted" in page and "on None" not in page
