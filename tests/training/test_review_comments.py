"""Call reviews against the recording: timestamps, the inline player, and comments after the review
is written (added by coaches, answered by the rep, edited by their author)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.test_security import assert_no_inline_script
from tests.training.factories import CallReviewFactory, scorecard_with
from training.forms import parse_timestamp
from training.models import RecordingHost, ReviewComment

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("03:15", 195), ("00:00", 0), ("59:59", 3599), ("62:30", 3750), ("1:02:30", 3750), ("10:00:00", 36000)],
)
def test_timestamps_read_mm_ss_and_h_mm_ss(text, seconds):
    assert parse_timestamp(text) == seconds


@pytest.mark.parametrize("text", ["1:75:00", "3:5", "1:02:3", "ab:cd", "-1:00", "95", "1:02:30:00", "12:60"])
def test_a_bad_timestamp_is_refused_with_a_message(text):
    with pytest.raises(ValidationError) as error:
        parse_timestamp(text)
    assert error.value.messages == [f"“{text}” is not a time in the call: write mm:ss (03:15) or h:mm:ss (1:02:30)."]


@pytest.fixture
def review(rep, manager):
    RecordingHost.objects.create(host="calls.example.com")
    return CallReviewFactory(rep=rep, reviewer=manager, recording_url="https://calls.example.com/42.mp4")


def test_a_coach_adds_a_comment_at_an_h_mm_ss_moment_after_the_review(client, manager, review):
    client.force_login(manager)
    response = client.post(
        reverse("training:review_comment_add", args=[review.pk]), {"at": "1:02:30", "text": "Price too early"}
    )
    assert response.status_code == 302
    comment = review.comments.get()
    assert (comment.at_seconds, comment.author, comment.text) == (3750, manager, "Price too early")
    page = client.get(review.get_absolute_url()).content.decode()
    assert 'data-seconds="3750">1:02:30</a>' in page


def test_a_bad_moment_is_refused_and_nothing_is_stored(client, manager, review):
    client.force_login(manager)
    response = client.post(reverse("training:review_comment_add", args=[review.pk]), {"at": "1:75:00", "text": "Hmm"})
    assert response.status_code == 400
    assert "“1:75:00” is not a time in the call" in response.content.decode()
    assert not review.comments.exists()


def test_the_rep_answers_a_comment_and_cannot_add_one(client, rep, manager, review):
    comment = review.comments.create(at_seconds=95, text="Why this question?", author=manager)
    client.force_login(rep)
    refused = client.post(reverse("training:review_comment_add", args=[review.pk]), {"at": "01:00", "text": "Me"})
    assert refused.status_code == 403
    response = client.post(reverse("training:review_comment_reply", args=[comment.pk]), {"text": "To qualify budget."})
    assert response.status_code == 302
    reply = comment.replies.get()
    assert (reply.author, reply.at_seconds, reply.review) == (rep, 95, review)
    page = client.get(review.get_absolute_url()).content.decode()
    assert "To qualify budget." in page
    empty = client.post(reverse("training:review_comment_reply", args=[comment.pk]), {"text": ""})
    assert empty.status_code == 400 and "This field is required." in empty.content.decode()
    # An answer is not answered in turn.
    nested = client.post(reverse("training:review_comment_reply", args=[reply.pk]), {"text": "Again"})
    assert nested.status_code == 404


def test_only_its_author_edits_a_comment(client, rep, teammate, manager, other_manager, review):
    comment = review.comments.create(at_seconds=95, text="Typo", author=manager)
    reply = ReviewComment.objects.create(review=review, parent=comment, at_seconds=95, text="Ok", author=rep)
    url = reverse("training:review_comment_edit", args=[comment.pk])
    for person, status in [(rep, 403), (teammate, 404), (other_manager, 404)]:
        client.force_login(person)
        assert client.post(url, {"at": "00:10", "text": "Hijacked"}).status_code == status
    client.force_login(manager)
    assert client.get(url).content.decode().count('value="01:35"') == 1
    bad = client.post(url, {"at": "soon", "text": "Fixed"})
    assert bad.status_code == 400 and "is not a time in the call" in bad.content.decode()
    assert client.post(url, {"at": "02:05", "text": "Fixed"}).status_code == 302
    comment.refresh_from_db()
    reply.refresh_from_db()
    assert (comment.text, comment.at_seconds, comment.edited_at is not None) == ("Fixed", 125, True)
    # The answer moves with its comment; its author edits its text.
    assert reply.at_seconds == 125
    client.force_login(rep)
    response = client.post(reverse("training:review_comment_edit", args=[reply.pk]), {"text": "Okay, noted"})
    assert response.status_code == 302
    reply.refresh_from_db()
    assert (reply.text, reply.at_seconds) == ("Okay, noted", 125)


def test_the_recording_plays_inline_only_from_an_allowlisted_host(client, rep, manager, review):
    client.force_login(rep)
    response = client.get(review.get_absolute_url())
    page = response.content.decode()
    assert '<video id="recording" controls preload="metadata" src="https://calls.example.com/42.mp4">' in page
    assert "media-src https://calls.example.com" in response["Content-Security-Policy"]
    assert_no_inline_script(page)
    elsewhere = CallReviewFactory(rep=rep, reviewer=manager, recording_url="https://elsewhere.example/1.mp4")
    response = client.get(elsewhere.get_absolute_url())
    assert "<video" not in response.content.decode()
    assert "elsewhere.example" not in response["Content-Security-Policy"]
    plain = CallReviewFactory(rep=rep, reviewer=manager, recording_url="http://calls.example.com/2.mp4")
    assert "<video" not in client.get(plain.get_absolute_url()).content.decode()


def test_the_review_form_offers_the_player_for_allowlisted_hosts(client, manager, rep):
    scorecard_with("Opening")
    RecordingHost.objects.create(host="calls.example.com")
    client.force_login(manager)
    response = client.get(reverse("training:review_create", args=[rep.pk]))
    page = response.content.decode()
    assert 'data-recording-hosts="calls.example.com"' in page
    assert "Comment at current time" in page
    assert "media-src https://calls.example.com" in response["Content-Security-Policy"]
    assert_no_inline_script(page)


def test_the_review_page_keeps_its_query_count_as_comments_grow(
    client, rep, manager, review, django_assert_max_num_queries
):
    for n in range(30):
        comment = review.comments.create(at_seconds=n, text=f"Comment {n}", author=manager)
        review.comments.create(at_seconds=n, text="Answer", author=rep, parent=comment)
    client.force_login(rep)
    with django_assert_max_num_queries(12):
        response = client.get(review.get_absolute_url())
    assert response.content.decode().count('class="comment-replies"') == 30
