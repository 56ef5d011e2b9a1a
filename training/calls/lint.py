"""Lint calls: read their transcripts, match the trackers, compute metrics and findings, and
replace each call's results in one transaction (so a rerun gives the same rows, never doubles)."""

from collections.abc import Iterable
from datetime import date

from django.db import transaction

from enablement_portal.db import rows_insert
from pipeline.models import DealStageChange, Stage
from training.calls.lint_rules import CallContext, lint_findings
from training.calls.metrics import call_metrics
from training.calls.trackers import CompiledTrackers
from training.models import CallLint, CallTranscript, Finding, Tracker, TrackerHit

Matcher = tuple[CompiledTrackers, dict[int, tuple[str, str]]]


def compiled_trackers() -> Matcher:
    """The active trackers compiled into one matcher, and the battlecards by tracker id: one query."""
    trackers = list(Tracker.objects.active().select_related("battlecard"))
    battlecards = {t.pk: (t.battlecard.title, t.battlecard.get_absolute_url()) for t in trackers if t.battlecard}
    return CompiledTrackers.compile([t.spec() for t in trackers]), battlecards


def _discovery_exits(deal_ids: Iterable[int]) -> dict[int, date]:
    """The day each deal first moved on from Discovery (its exit criteria were met then)."""
    exits: dict[int, date] = {}
    changes = DealStageChange.objects.filter(
        deal_id__in=set(deal_ids), from_stage=Stage.DISCOVERY, to_stage=Stage.TECHNICAL_DEMO
    ).order_by("at")
    for deal_id, at in changes.values_list("deal_id", "at"):
        exits.setdefault(deal_id, at.date())
    return exits


@transaction.atomic
def calls_lint(*, review_ids: Iterable[int], matcher: Matcher | None = None) -> int:
    """Lint the calls (reviews with a transcript) among `review_ids`; return how many were linted.

    A fixed number of queries for any number of calls: the transcripts, the trackers (unless
    given as `matcher`, from `compiled_trackers`), the deals' stage history, the delete of the
    old results and three inserts.
    """
    transcripts = list(
        CallTranscript.objects.filter(review_id__in=list(review_ids)).select_related("review", "review__deal")
    )
    trackers, battlecards = matcher or compiled_trackers()
    exits = _discovery_exits(t.review.deal_id for t in transcripts if t.review.deal_id)
    CallLint.objects.filter(review_id__in=[t.review_id for t in transcripts]).delete()
    lints, results = [], []
    for transcript in transcripts:
        review = transcript.review
        utterances = transcript.utterance_list()
        hits = trackers.match(utterances, transcript.rep_speaker)
        metrics = call_metrics(utterances, transcript.rep_speaker)
        context = CallContext(
            call_date=review.call_date,
            deal_name=review.deal.name if review.deal else "",
            discovery_exited_on=exits.get(review.deal_id) if review.deal_id else None,
            battlecards=battlecards,
        )
        findings = lint_findings(trackers.specs, hits, metrics, context, len(utterances) - 1)
        lints.append(
            CallLint(
                review=review, rep_id=review.rep_id, call_date=review.call_date,
                duration_seconds=metrics.duration_seconds, rep_talk_percent=metrics.rep_talk_percent,
                longest_monologue_seconds=metrics.longest_monologue_seconds,
                longest_story_seconds=metrics.longest_story_seconds, questions=metrics.questions,
                fillers_per_minute=metrics.fillers_per_minute,
            )
        )  # fmt: skip
        results.append((utterances, hits, findings))
    CallLint.objects.bulk_create(lints)
    # Rows without model instances (COPY on PostgreSQL): a long call has hundreds of hits.
    finding_rows, hit_rows = [], []
    for lint, (utterances, hits, findings) in zip(lints, results, strict=True):
        for f in findings:
            at = f.utterance if f.utterance is not None and f.utterance >= 0 else None
            finding_rows.append(
                {
                    "lint": lint.pk, "rule": f.rule, "severity": f.severity, "message": f.message[:500],
                    "utterance": at, "at_seconds": None if at is None else utterances[at].start,
                }
            )  # fmt: skip
        hit_rows += [
            {
                "lint": lint.pk, "tracker": h.tracker_id, "utterance": h.utterance, "at_seconds": h.at_seconds,
                "phrase": h.phrase[:100], "fuzzy": h.fuzzy,
            }
            for h in hits
        ]  # fmt: skip
    rows_insert(Finding, finding_rows)
    rows_insert(TrackerHit, hit_rows)
    return len(lints)
