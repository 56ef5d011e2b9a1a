"""The numbers of one call, from its utterances and which speaker is the rep.

Durations are the utterances' (end - start). A *turn* is a run of consecutive utterances by
the same side (the rep, or anyone else: the customer's side), timed from its first start to
its last end, so a monologue split over several captions counts once.
"""

import re
from dataclasses import dataclass

from training.calls.parsers import Utterance

# Single-word fillers and the multi-word ones, counted in the rep's speech only.
FILLERS = re.compile(r"(?<!\w)(?:um+|uh+|erm|er|ah|hmm+|you know|i mean|basically|kind of|sort of)(?!\w)", re.I)
QUESTION = re.compile(r"\?+")


@dataclass(frozen=True)
class CallMetrics:
    duration_seconds: float
    rep_talk_seconds: float
    other_talk_seconds: float
    rep_talk_percent: float  # the rep's share of all talk time, 0-100
    longest_monologue_seconds: float  # the rep's longest turn
    longest_monologue_at: int  # the utterance that starts it (-1: the rep never spoke)
    longest_story_seconds: float  # the customer side's longest turn
    questions: int  # questions the rep asked (runs of "?")
    fillers: int
    fillers_per_minute: float  # fillers per minute of the rep's talk time


def call_metrics(utterances: list[Utterance], rep_speaker: str) -> CallMetrics:
    rep_talk = sum(u.end - u.start for u in utterances if u.speaker == rep_speaker)
    other_talk = sum(u.end - u.start for u in utterances if u.speaker != rep_speaker)
    rep_text = [u.text for u in utterances if u.speaker == rep_speaker]
    fillers = sum(len(FILLERS.findall(text)) for text in rep_text)
    turns = _turns(utterances, rep_speaker)
    total = rep_talk + other_talk
    monologue = max((t for t in turns if t[0]), key=lambda t: t[1], default=(True, 0.0, -1))
    return CallMetrics(
        duration_seconds=round(
            max((u.end for u in utterances), default=0.0) - min((u.start for u in utterances), default=0.0), 1
        ),
        rep_talk_seconds=round(rep_talk, 1),
        other_talk_seconds=round(other_talk, 1),
        rep_talk_percent=round(100 * rep_talk / total, 1) if total else 0.0,
        longest_monologue_seconds=round(monologue[1], 1),
        longest_monologue_at=monologue[2],
        longest_story_seconds=round(max((s for is_rep, s, _ in turns if not is_rep), default=0), 1),
        questions=sum(len(QUESTION.findall(text)) for text in rep_text),
        fillers=fillers,
        fillers_per_minute=round(fillers / (rep_talk / 60), 2) if rep_talk else 0.0,
    )


def _turns(utterances: list[Utterance], rep_speaker: str) -> list[tuple[bool, float, int]]:
    """(is the rep, seconds, index of its first utterance) per turn."""
    turns: list[tuple[bool, float, int]] = []
    side, start, end, first = None, 0.0, 0.0, 0
    for index, utterance in enumerate(utterances):
        is_rep = utterance.speaker == rep_speaker
        if is_rep != side:
            if side is not None:
                turns.append((side, end - start, first))
            side, start, first = is_rep, utterance.start, index
        end = utterance.end
    if side is not None:
        turns.append((side, end - start, first))
    return turns
