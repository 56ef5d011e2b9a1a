"""`/api/v1/calls`: upload a call to lint, and read the linter's results.

`POST /api/v1/calls` (scope `calls:write`, a manager's or admin's key or session): a call of a rep
of the caller's team, with its transcript (WebVTT, SRT or plain text, as a string) and/or a
recording URL, the deal it was about and its date. `GET /api/v1/calls/{id}/lint` (scope
`calls:read`): the findings, tracker hits and metrics of a call the key's person may see (a rep
their own calls, a manager their team's); another's call is a 404.
"""

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from accounts.auth import PersonAuth
from accounts.http import PersonApiRequest
from accounts.models import Role, Scope, User
from enablement_portal.problems import field_paths
from pipeline.models import Deal
from training.calls.parsers import FORMATS, MAX_TRANSCRIPT_BYTES
from training.calls.services import call_upload
from training.models import CallLint, CallReview, CallTranscript

router = Router(tags=["calls"])

if TYPE_CHECKING:
    FormatName = str
else:
    FormatName = Literal[FORMATS]
DealId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class CallIn(Schema):
    rep: str = Field(min_length=1, max_length=150, description="The rep's username")
    callDate: date
    deal: DealId | None = Field(None, description="Id of the rep's deal the call was about")
    recordingUrl: str = Field("", max_length=200, description="A link to the recording (http or https)")
    transcript: str = Field("", max_length=MAX_TRANSCRIPT_BYTES, description="The transcript file's text")
    format: FormatName | None = Field(None, description="vtt, srt or txt; guessed from the text when left out")
    repSpeaker: str = Field("", max_length=60, description="The rep's speaker; suggested from the rep's name if empty")


class CallOut(Schema):
    id: int
    rep: str
    deal: int | None
    callDate: date
    speakers: list[str]
    repSpeaker: str | None
    utterances: int
    lint: str = Field(description="Where the linter's results are read (they follow shortly)")


class FindingOut(Schema):
    rule: str
    severity: str
    message: str
    utterance: int | None
    atSeconds: float | None


class HitOut(Schema):
    tracker: str
    kind: str
    utterance: int
    atSeconds: float
    phrase: str
    fuzzy: bool


class MetricsOut(Schema):
    durationSeconds: float
    repTalkPercent: float
    longestMonologueSeconds: float
    longestStorySeconds: float
    questions: int
    fillersPerMinute: float


class LintOut(Schema):
    call: int
    rep: str
    callDate: date
    lintedAt: datetime
    metrics: MetricsOut
    findings: list[FindingOut]
    hits: list[HitOut]


def _lint_url(review_id: int) -> str:
    return f"/api/v1/calls/{review_id}/lint"


@router.post(
    "",
    response={201: CallOut},
    auth=PersonAuth(Scope.CALLS_WRITE, permission="training.coach_team"),
    summary="Upload a call of a rep of the caller's team: its transcript is parsed and linted",
)
def post_call(request: PersonApiRequest, payload: CallIn) -> tuple[int, dict[str, Any]]:
    rep = User.objects.for_user(request.auth).filter(username=payload.rep, role=Role.REP).first()
    if rep is None:
        raise ValidationError({"rep": f"No rep {payload.rep!r} on your team."})
    deal = None
    if payload.deal is not None:
        deal = Deal.objects.for_user(request.auth).filter(pk=payload.deal).first()
        if deal is None:
            raise ValidationError({"deal": f"No deal {payload.deal} you may see."})
    paths = {"call_date": "callDate", "recording_url": "recordingUrl", "rep_speaker": "repSpeaker"}
    with field_paths(paths):
        review = call_upload(
            uploader=request.auth, rep=rep, deal=deal, call_date=payload.callDate, recording_url=payload.recordingUrl,
            transcript=payload.transcript, transcript_format=payload.format or "", rep_speaker=payload.repSpeaker,
        )  # fmt: skip
    transcript = CallTranscript.objects.filter(review=review).first()
    return 201, {
        "id": review.pk,
        "rep": rep.username,
        "deal": review.deal_id,
        "callDate": review.call_date,
        "speakers": transcript.speakers if transcript else [],
        "repSpeaker": transcript.rep_speaker if transcript else None,
        "utterances": len(transcript.utterances) if transcript else 0,
        "lint": _lint_url(review.pk),
    }


@router.get(
    "/{int:call_id}/lint",
    response=LintOut,
    auth=PersonAuth(Scope.CALLS_READ, permission="training.view_reviews"),
    summary="The linter's findings, tracker hits and metrics of a call the caller may see",
)
def get_lint(request: PersonApiRequest, call_id: int) -> dict[str, Any]:
    review = get_object_or_404(CallReview.objects.for_user(request.auth).select_related("rep"), pk=call_id)
    lint = get_object_or_404(CallLint, review=review)
    return {
        "call": review.pk,
        "rep": review.rep.username,
        "callDate": lint.call_date,
        "lintedAt": lint.linted_at,
        "metrics": {
            "durationSeconds": lint.duration_seconds,
            "repTalkPercent": lint.rep_talk_percent,
            "longestMonologueSeconds": lint.longest_monologue_seconds,
            "longestStorySeconds": lint.longest_story_seconds,
            "questions": lint.questions,
            "fillersPerMinute": lint.fillers_per_minute,
        },
        "findings": [
            {
                "rule": f.rule,
                "severity": f.severity,
                "message": f.message,
                "utterance": f.utterance,
                "atSeconds": f.at_seconds,
            }
            for f in lint.findings.all()
        ],
        "hits": [
            {
                "tracker": h.tracker.name,
                "kind": h.tracker.kind,
                "utterance": h.utterance,
                "atSeconds": h.at_seconds,
                "phrase": h.phrase,
                "fuzzy": h.fuzzy,
            }
            for h in lint.hits.select_related("tracker")
        ],
    }
