"""Writes of the call linter: a call uploaded with its transcript, the rep's speaker chosen, and
the re-lint after the trackers change. Each enqueues the lint through the outbox, on commit."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import Role, User
from accounts.outbox import enqueue_on_commit
from pipeline.models import Deal
from training.calls.parsers import TranscriptError, detect_format, parse_transcript, suggest_rep_speaker
from training.models import CallReview, CallTranscript
from training.tasks import lint_call, relint_all_calls


def _parsed(text: str, fmt: str, field: str) -> list:
    try:
        return parse_transcript(text, fmt)
    except TranscriptError as error:
        raise ValidationError({field: str(error)}) from None


def rep_names(rep: User) -> list[str]:
    return [rep.get_full_name(), rep.first_name, rep.last_name, rep.username]


@transaction.atomic
def call_upload(
    *,
    uploader: User,
    rep: User,
    call_date: date,
    transcript: str = "",
    transcript_format: str = "",
    filename: str = "",
    rep_speaker: str = "",
    recording_url: str = "",
    deal: Deal | None = None,
) -> CallReview:
    """A call of `rep` to lint and review: its transcript parsed (WebVTT, SRT or plain text), the
    rep's speaker given or suggested from the rep's name, its deal, and the lint enqueued on commit.

    Raises ValidationError (by field: rep, deal, transcript, rep_speaker, call_date, recording_url)
    and stores nothing then.
    """
    if not User.objects.for_user(uploader).filter(pk=rep.pk, role=Role.REP).exists():
        raise ValidationError({"rep": "You can upload calls only of reps on your team."})
    if deal is not None and deal.owner_id != rep.pk:
        raise ValidationError({"deal": f"{deal} is not {rep}'s deal."})
    review = CallReview(
        rep=rep, reviewer=uploader, scorecard=None, deal=deal, call_date=call_date,
        recording_url=recording_url, transcript="",
    )  # fmt: skip
    if not transcript.strip() and not recording_url:
        raise ValidationError({"transcript": "Give a transcript file or a recording URL."})
    if transcript.strip():
        fmt = transcript_format or detect_format(transcript, filename)
        utterances = _parsed(transcript, fmt, "transcript")
        # The review keeps the readable text; the utterances are the transcript of record.
        review.transcript = "\n".join(f"{u.speaker}: {u.text}" for u in utterances)
    review.full_clean()
    review.save()
    if transcript.strip():
        speakers = list(dict.fromkeys(u.speaker for u in utterances))
        chosen = rep_speaker or suggest_rep_speaker(speakers, rep_names(rep)) or speakers[0]
        record = CallTranscript(
            review=review, source_format=fmt, rep_speaker=chosen, speakers=speakers,
            utterances=[u.as_json() for u in utterances], uploaded_by=uploader,
        )  # fmt: skip
        record.full_clean()
        record.save()
        enqueue_on_commit(lint_call, call_id=review.pk)
    return review


@transaction.atomic
def call_rep_speaker_set(*, review: CallReview, by: User, speaker: str) -> CallTranscript:
    """Say which speaker is the rep (once per call; changing it re-lints the call)."""
    if not by.has_perm("training.comment_on_review", review):
        raise PermissionDenied("Only the rep's coaches choose the rep's speaker.")
    record = CallTranscript.objects.select_for_update().get(review=review)
    record.rep_speaker = speaker
    record.full_clean()
    record.save(update_fields=["rep_speaker"])
    enqueue_on_commit(lint_call, call_id=review.pk)
    return record


def calls_relint_enqueue() -> None:
    """After a tracker change: re-lint every call, fanned out over the workers, once the change commits."""
    enqueue_on_commit(relint_all_calls)
