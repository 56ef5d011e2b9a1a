import pytest

from training.calls.metrics import call_metrics
from training.calls.parsers import Utterance

# Rep "Dana", customer side "Sam" and "Lee".
CALL = [
    Utterance("Dana", 0, 30, "Hi, um, thanks for the time. What is driving this? Who else is involved?"),
    Utterance(
        "Dana", 30, 60, "Uh, basically we help teams like yours, you know."
    ),  # one turn with the line above: 0-60
    Utterance("Sam", 60, 150, "We struggle with reporting."),  # customer turn 60-150 (90 s)
    Utterance("Lee", 150, 180, "And security reviews take months."),  # same side: the turn runs 60-180 = 120 s
    Utterance("Dana", 180, 240, "How long?? And what happens if nothing changes?"),  # rep turn 60 s
]
# Talk: rep 30+30+60 = 120 s, others 90+30 = 120 s -> 50.0 %.
# Longest monologue: 60 s (0-60) starting at utterance 0; longest story 120 s (60-180).
# Questions: "driving this?", "involved?", "long??" (one run), "changes?" -> 4.
# Fillers: um, uh, basically, you know -> 4 in 120 s of rep talk -> 2.0 a minute.


def test_the_worked_example():
    metrics = call_metrics(CALL, "Dana")
    assert metrics.duration_seconds == 240
    assert metrics.rep_talk_seconds == 120
    assert metrics.other_talk_seconds == 120
    assert metrics.rep_talk_percent == 50.0
    assert metrics.longest_monologue_seconds == 60
    assert metrics.longest_monologue_at == 0
    assert metrics.longest_story_seconds == 120
    assert metrics.questions == 4
    assert metrics.fillers == 4
    assert metrics.fillers_per_minute == 2.0


def test_the_customers_words_do_not_count_as_the_reps():
    # With Sam as the rep: 90 s of 240 s of talk; Sam asks nothing; Dana's fillers are not Sam's.
    metrics = call_metrics(CALL, "Sam")
    assert metrics.rep_talk_percent == pytest.approx(37.5)
    assert metrics.longest_monologue_seconds == 90
    assert metrics.longest_monologue_at == 2
    assert metrics.questions == 0
    assert metrics.fillers_per_minute == 0


def test_a_rep_who_never_speaks_has_no_monologue():
    metrics = call_metrics(CALL, "Nobody")
    assert (metrics.rep_talk_percent, metrics.longest_monologue_at, metrics.fillers_per_minute) == (0.0, -1, 0.0)
    assert metrics.longest_story_seconds == 240
