"""The linter's rules: each looks at one call's hits and metrics and may raise a finding.

A finding has a rule code, a severity, a message and the utterance that triggered it (or none,
for what is missing from the whole call). Thresholds are here, in one place, with the reason.
"""

from dataclasses import dataclass
from datetime import date

from training.calls.metrics import CallMetrics
from training.calls.trackers import Hit, TrackerSpec

# Talking more than about two thirds of a discovery-style call is the classic "pitching, not
# listening" sign; a two-and-a-half-minute uninterrupted turn loses most listeners.
MAX_REP_TALK_PERCENT = 65
MAX_MONOLOGUE_SECONDS = 150


class Severity:
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Kind:
    COMPETITOR = "competitor"
    PRICING = "pricing"
    NEXT_STEPS = "next_steps"
    OBJECTION = "objection"
    COMPLIANCE = "compliance"
    CUSTOM = "custom"


@dataclass(frozen=True)
class FindingSpec:
    rule: str
    severity: str
    message: str
    utterance: int | None = None


@dataclass(frozen=True)
class CallContext:
    """What the rules know beyond the transcript: the call's date and its deal's history."""

    call_date: date
    deal_name: str = ""
    # The day the linked deal first moved on from Discovery (its exit criteria met); None: not yet.
    discovery_exited_on: date | None = None
    # Battlecards by competitor tracker id: (title, url).
    battlecards: dict[int, tuple[str, str]] | None = None


def lint_findings(
    specs: list[TrackerSpec], hits: list[Hit], metrics: CallMetrics, context: CallContext, last_utterance: int
) -> list[FindingSpec]:
    by_id = {spec.id: spec for spec in specs}
    first_hit: dict[int, Hit] = {}
    for hit in hits:
        first_hit.setdefault(hit.tracker_id, hit)
    kinds_hit: dict[str, list[Hit]] = {}
    for hit in first_hit.values():
        kinds_hit.setdefault(by_id[hit.tracker_id].kind, []).append(hit)
    findings = []
    findings += _next_step(specs, kinds_hit, last_utterance)
    findings += _pricing_before_discovery_exit(kinds_hit, context)
    findings += _competitor_battlecards(kinds_hit, by_id, context)
    findings += _compliance(specs, first_hit)
    findings += _talk(metrics)
    return findings


def _next_step(specs: list[TrackerSpec], kinds_hit: dict[str, list[Hit]], last: int) -> list[FindingSpec]:
    if not any(s.kind == Kind.NEXT_STEPS for s in specs) or kinds_hit.get(Kind.NEXT_STEPS):
        return []
    message = "No next step agreed: nobody said when or how the conversation continues."
    return [FindingSpec("no-next-step", Severity.WARNING, message, last)]


def _pricing_before_discovery_exit(kinds_hit: dict[str, list[Hit]], context: CallContext) -> list[FindingSpec]:
    pricing = kinds_hit.get(Kind.PRICING)
    if not pricing or not context.deal_name:
        return []
    if context.discovery_exited_on is not None and context.discovery_exited_on <= context.call_date:
        return []
    first = min(pricing, key=lambda h: h.utterance)
    message = (
        f"Pricing discussed (“{first.phrase}”) before {context.deal_name} met the Discovery exit criteria "
        "(Budget, Authority, Need, Timeline confirmed)."
    )
    return [FindingSpec("pricing-before-discovery-exit", Severity.WARNING, message, first.utterance)]


def _competitor_battlecards(
    kinds_hit: dict[str, list[Hit]], by_id: dict[int, TrackerSpec], context: CallContext
) -> list[FindingSpec]:
    findings = []
    for hit in sorted(kinds_hit.get(Kind.COMPETITOR, []), key=lambda h: h.utterance):
        name = by_id[hit.tracker_id].name
        card = (context.battlecards or {}).get(hit.tracker_id)
        message = f"Competitor mentioned: {name}" + (f" — battlecard “{card[0]}” exists." if card else ".")
        findings.append(FindingSpec("competitor-mentioned", Severity.INFO, message, hit.utterance))
    return findings


def _compliance(specs: list[TrackerSpec], first_hit: dict[int, Hit]) -> list[FindingSpec]:
    return [
        FindingSpec("compliance-phrase-missing", Severity.ERROR, f"Compliance phrase never said: {spec.name}.")
        for spec in specs
        if spec.kind == Kind.COMPLIANCE and spec.id not in first_hit
    ]


def _talk(metrics: CallMetrics) -> list[FindingSpec]:
    findings = []
    if metrics.rep_talk_percent > MAX_REP_TALK_PERCENT:
        message = (
            f"The rep talked {metrics.rep_talk_percent:.0f} % of the time (aim for at most {MAX_REP_TALK_PERCENT} %)."
        )
        findings.append(FindingSpec("talk-ratio-high", Severity.WARNING, message))
    if metrics.longest_monologue_seconds > MAX_MONOLOGUE_SECONDS:
        minutes, seconds = divmod(int(metrics.longest_monologue_seconds), 60)
        message = (
            f"Longest monologue {minutes} min {seconds:02d} s (aim for under {MAX_MONOLOGUE_SECONDS // 60} min 30 s)."
        )
        findings.append(FindingSpec("long-monologue", Severity.WARNING, message, metrics.longest_monologue_at))
    if metrics.questions == 0:
        findings.append(FindingSpec("no-questions", Severity.WARNING, "The rep asked no questions."))
    return findings
