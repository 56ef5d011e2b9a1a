"""Reads of the call linter: one call's results for its review page, and the trends of a team."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Avg, Count
from django.db.models.functions import TruncMonth

from accounts.models import User
from training.calls.parsers import Utterance
from training.models import CallLint, CallReview, CallTranscript, Finding, TrackerHit, format_timestamp

TREND_MONTHS = 6


@dataclass
class TrackerGroup:
    name: str
    kind: str
    hits: list[TrackerHit] = field(default_factory=list)


@dataclass
class CallPanel:
    transcript: CallTranscript | None
    lint: CallLint | None
    utterances: list[tuple[int, str, Utterance, bool]]  # index, timestamp, utterance, is the rep
    findings: list[Finding]
    trackers: list[TrackerGroup]


def call_panel(review: CallReview) -> CallPanel:
    """The transcript, findings and tracker hits of `review`: at most four queries."""
    transcript = CallTranscript.objects.filter(review=review).first()
    if transcript is None:
        return CallPanel(None, None, [], [], [])
    lint = CallLint.objects.filter(review=review).first()
    utterances = [
        (i, format_timestamp(int(u.start)), u, u.speaker == transcript.rep_speaker)
        for i, u in enumerate(transcript.utterance_list())
    ]
    if lint is None:
        return CallPanel(transcript, None, utterances, [], [])
    groups: dict[int, TrackerGroup] = {}
    for hit in TrackerHit.objects.filter(lint=lint).select_related("tracker").order_by("tracker__name", "utterance"):
        groups.setdefault(hit.tracker_id, TrackerGroup(hit.tracker.name, hit.tracker.get_kind_display())).hits.append(
            hit
        )
    return CallPanel(transcript, lint, utterances, list(lint.findings.all()), list(groups.values()))


@dataclass(frozen=True)
class TrendRow:
    rep: str
    month: date
    calls: int
    talk_percent: float
    longest_monologue: float
    questions: float
    fillers_per_minute: float
    findings: int


def call_trends(*, viewer: User, today: date, months: int = TREND_MONTHS) -> list[TrendRow]:
    """Per rep the viewer may see and month, the averages of the call metrics: two queries."""
    since = (today.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    lints = CallLint.objects.for_user(viewer).filter(call_date__gte=since, call_date__lte=today)
    grouped = (
        lints.annotate(month=TruncMonth("call_date"))
        .values("rep_id", "rep__first_name", "rep__last_name", "rep__username", "month")
        .annotate(
            calls=Count("pk"), talk=Avg("rep_talk_percent"), monologue=Avg("longest_monologue_seconds"),
            questions=Avg("questions"), fillers=Avg("fillers_per_minute"),
        )
        .order_by("rep__first_name", "rep__last_name", "rep_id", "month")
    )  # fmt: skip
    per_month = (
        Finding.objects.filter(lint__in=lints)
        .annotate(month=TruncMonth("lint__call_date"))
        .values_list("lint__rep_id", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    findings = {(rep_id, month): n for rep_id, month, n in per_month}
    return [
        TrendRow(
            rep=" ".join(filter(None, [g["rep__first_name"], g["rep__last_name"]])) or g["rep__username"],
            month=g["month"], calls=g["calls"], talk_percent=round(g["talk"], 1),
            longest_monologue=round(g["monologue"]), questions=round(g["questions"], 1),
            fillers_per_minute=round(g["fillers"], 2), findings=findings.get((g["rep_id"], g["month"]), 0),
        )
        for g in grouped
    ]  # fmt: skip
