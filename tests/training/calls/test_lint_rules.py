from datetime import date

from training.calls.lint_rules import CallContext, lint_findings
from training.calls.metrics import call_metrics
from training.calls.parsers import Utterance
from training.calls.trackers import CompiledTrackers, TrackerSpec

TRACKERS = [
    TrackerSpec(1, "Vantage Analytics", "competitor", ("vantage",)),
    TrackerSpec(2, "Pricing", "pricing", ("price", "discount")),
    TrackerSpec(3, "Next steps", "next_steps", ("next step", "follow up")),
    TrackerSpec(4, "Recording notice", "compliance", ("this call is recorded",)),
]
CALL_DAY = date(2026, 3, 10)


def lint(lines, context=None):
    utterances = [Utterance(s, i * 10, i * 10 + 10, t) for i, (s, t) in enumerate(lines)]
    compiled = CompiledTrackers.compile(TRACKERS)
    hits = compiled.match(utterances, "Dana")
    metrics = call_metrics(utterances, "Dana")
    findings = lint_findings(TRACKERS, hits, metrics, context or CallContext(call_date=CALL_DAY), len(utterances) - 1)
    return {(f.rule, f.severity, f.utterance) for f in findings}, findings


BASE = [("Dana", "Hi, this call is recorded. What brings you here?"), ("Sam", "We need better reports.")]


def test_no_next_step_fires_on_the_last_utterance_and_clears_once_one_is_agreed():
    rules, _ = lint(BASE)
    assert ("no-next-step", "warning", 1) in rules
    rules, _ = lint([*BASE, ("Sam", "Let's follow up on Friday.")])
    assert not any(rule == "no-next-step" for rule, *_ in rules)


def test_pricing_before_discovery_exit_reads_the_deal_history():
    lines = [*BASE, ("Dana", "The price is 40 a seat. Next step: a demo?")]
    still_in_discovery = CallContext(call_date=CALL_DAY, deal_name="Acme", discovery_exited_on=None)
    rules, findings = lint(lines, still_in_discovery)
    assert ("pricing-before-discovery-exit", "warning", 2) in rules
    assert "before Acme met the Discovery exit criteria" in findings[0].message
    exited_later = CallContext(call_date=CALL_DAY, deal_name="Acme", discovery_exited_on=date(2026, 3, 11))
    assert ("pricing-before-discovery-exit", "warning", 2) in lint(lines, exited_later)[0]
    exited_before = CallContext(call_date=CALL_DAY, deal_name="Acme", discovery_exited_on=date(2026, 3, 10))
    assert not any(r == "pricing-before-discovery-exit" for r, *_ in lint(lines, exited_before)[0])
    # No linked deal: nothing to compare with.
    assert not any(r == "pricing-before-discovery-exit" for r, *_ in lint(lines)[0])


def test_a_competitor_names_its_battlecard_and_a_missing_compliance_phrase_is_an_error():
    context = CallContext(call_date=CALL_DAY, battlecards={1: ("Battlecard: Vantage", "/learning/modules/1/")})
    rules, findings = lint([("Dana", "Hello."), ("Sam", "We also talk to Vantage. Next step?")], context)
    assert ("competitor-mentioned", "info", 1) in rules
    assert ("compliance-phrase-missing", "error", None) in rules
    competitor = next(f for f in findings if f.rule == "competitor-mentioned")
    assert competitor.message == "Competitor mentioned: Vantage Analytics — battlecard “Battlecard: Vantage” exists."


def test_talk_rules_fire_on_a_rep_who_talks_for_minutes_without_asking():
    lines = [("Sam", "Go on.")] + [("Dana", "Our platform does everything. Next step then.")] * 20
    rules, _ = lint(lines)
    # The rep talks 200 s of 210 s in one 200 s turn from utterance 1, with no question.
    assert {
        ("talk-ratio-high", "warning", None),
        ("long-monologue", "warning", 1),
        ("no-questions", "warning", None),
    } <= rules
