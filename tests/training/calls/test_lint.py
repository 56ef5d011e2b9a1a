from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import OutboxMessage
from pipeline.models import DealStageChange, Event, Stage
from tests.pipeline.factories import DealFactory
from tests.training.calls.conftest import WEBVTT_CALL
from training.calls.lint import calls_lint
from training.calls.services import call_rep_speaker_set, call_upload
from training.models import CallLint, CallReview, CallTranscript, Finding, TrackerHit


def upload(manager, rep, **kwargs):
    defaults = {
        "call_date": timezone.localdate() - timedelta(days=1),
        "transcript": WEBVTT_CALL,
        "filename": "call.vtt",
    }
    return call_upload(uploader=manager, rep=rep, **{**defaults, **kwargs})


def results(review):
    lint = CallLint.objects.get(review=review)
    findings = sorted(Finding.objects.filter(lint=lint).values_list("rule", "severity", "utterance", "message"))
    hits = sorted(TrackerHit.objects.filter(lint=lint).values_list("tracker__name", "utterance", "phrase"))
    return findings, hits


def test_an_upload_is_parsed_the_rep_speaker_suggested_and_linted_on_commit(
    manager, rep, trackers, django_capture_on_commit_callbacks
):
    rep.last_name = "Rep"
    rep.save()
    with django_capture_on_commit_callbacks(execute=True):
        review = upload(manager, rep)
    transcript = review.call_transcript
    assert (transcript.rep_speaker, transcript.speakers) == ("Alice Rep", ["Alice Rep", "Sam Ortiz"])
    assert len(transcript.utterances) == 4 and review.scorecard is None
    findings, hits = results(review)
    assert hits == [("Pricing", 2, "price"), ("Vantage Analytics", 1, "vantage")]
    assert [(rule, severity) for rule, severity, *_ in findings] == [
        ("competitor-mentioned", "info"),
        ("no-next-step", "warning"),
    ]
    lint = review.lint
    # Alice talks 5 + 10 of 40 s; one question.
    assert (lint.rep_talk_percent, lint.questions, lint.duration_seconds) == (37.5, 1, 40.0)


def test_linting_twice_gives_the_same_rows(manager, rep, trackers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        review = upload(manager, rep, rep_speaker="Alice Rep")
    first = results(review)
    assert calls_lint(review_ids=[review.pk]) == 1
    assert results(review) == first
    assert CallLint.objects.count() == 1 and Finding.objects.count() == len(first[0])


def test_pricing_before_discovery_exit_reads_the_linked_deals_stage_history(
    manager, rep, trackers, django_capture_on_commit_callbacks
):
    deal = DealFactory(owner=rep, stage=Stage.DISCOVERY, name="Acme renewal")
    with django_capture_on_commit_callbacks(execute=True):
        review = upload(manager, rep, rep_speaker="Alice Rep", deal=deal)
    assert "pricing-before-discovery-exit" in [rule for rule, *_ in results(review)[0]]
    # The deal left Discovery the day before the call: pricing was then in order.
    DealStageChange.objects.create(
        deal=deal, from_stage=Stage.DISCOVERY, to_stage=Stage.TECHNICAL_DEMO, event=Event.DEMO_SCHEDULED,
        at=timezone.now() - timedelta(days=2),
    )  # fmt: skip
    calls_lint(review_ids=[review.pk])
    assert "pricing-before-discovery-exit" not in [rule for rule, *_ in results(review)[0]]


def test_choosing_another_rep_speaker_relints(manager, rep, trackers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        review = upload(manager, rep, rep_speaker="Alice Rep")
    with django_capture_on_commit_callbacks(execute=True):
        call_rep_speaker_set(review=review, by=manager, speaker="Sam Ortiz")
    # Pricing is tracked for the rep only: Sam never says a price; Sam asks one question.
    assert [name for name, *_ in results(review)[1]] == ["Vantage Analytics"]
    with pytest.raises(ValidationError, match="Choose one of the transcript's speakers"):
        call_rep_speaker_set(review=review, by=manager, speaker="Nobody")


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"transcript": "hello there"}, "transcript", "Not a readable WebVTT file"),
        ({"transcript": "WEBVTT\n\nbroken --> cue"}, "transcript", "No speech was found"),
        ({"transcript": "", "filename": ""}, "transcript", "Give a transcript file or a recording URL"),
        ({"rep_speaker": "Nobody"}, "rep_speaker", "Choose one of the transcript's speakers"),
        ({"call_date": timezone.localdate() + timedelta(days=3)}, "call_date", "cannot be in the future"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(manager, rep, trackers, kwargs, field, message):
    with pytest.raises(ValidationError) as refused:
        upload(manager, rep, **kwargs)
    assert message in " ".join(refused.value.message_dict[field])
    assert not CallReview.objects.exists() and not CallTranscript.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_a_manager_uploads_only_for_their_team_and_the_reps_own_deals(manager, rep, other_rep, teammate, trackers):
    with pytest.raises(ValidationError, match="only of reps on your team"):
        upload(manager, other_rep)
    with pytest.raises(ValidationError, match="is not"):
        upload(manager, rep, deal=DealFactory(owner=teammate))
    assert not CallReview.objects.exists()


def test_a_chunk_is_linted_in_a_fixed_number_of_queries(
    manager, rep, trackers, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    deal = DealFactory(owner=rep, stage=Stage.DISCOVERY)
    reviews = [upload(manager, rep, deal=deal if n % 2 else None) for n in range(6)]
    # Transcripts, trackers, stage history, the delete (lints, findings, hits), three inserts + savepoint.
    with django_assert_max_num_queries(12):
        assert calls_lint(review_ids=[r.pk for r in reviews]) == 6
    assert CallLint.objects.count() == 6


def test_an_admin_tracker_edit_is_versioned_and_relints_every_call(
    client, admin, manager, rep, trackers, django_capture_on_commit_callbacks
):
    import reversion

    from training.models import Tracker

    with django_capture_on_commit_callbacks(execute=True):
        review = upload(manager, rep, rep_speaker="Alice Rep")
    assert not TrackerHit.objects.filter(tracker__name="Board").exists()
    client.force_login(admin)
    form = {"name": "Board", "kind": "custom", "phrases": "the board", "speaker": "anyone", "active": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/training/tracker/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    tracker = Tracker.objects.get(name="Board")
    assert reversion.models.Version.objects.get_for_object(tracker).count() == 1
    # Sam's "the board wants better numbers" (utterance 1) is found in the call linted before the tracker existed.
    assert list(TrackerHit.objects.filter(tracker=tracker).values_list("lint__review", "utterance")) == [(review.pk, 1)]
