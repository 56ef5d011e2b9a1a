"""Trackers matched over utterances: every phrase of every tracker in one compiled regex.

A phrase matches on word boundaries, in any case, with any run of whitespace between its
words. A fuzzy tracker also matches word runs of its phrases' lengths that are near a phrase
(rapidfuzz ratio at or above FUZZY_MIN_SCORE), for misspelt machine transcripts. A tracker hits
an utterance at most once (the first phrase found there), so hits are "utterances that
mention it", each a place to jump to.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from training.calls.parsers import Utterance

FUZZY_MIN_SCORE = 85
WORD = re.compile(r"\w+(?:'\w+)?")


class Speaker:
    REP = "rep"
    CUSTOMER = "customer"
    ANYONE = "anyone"


@dataclass(frozen=True)
class TrackerSpec:
    id: int
    name: str
    kind: str
    phrases: tuple[str, ...]
    speaker: str = Speaker.ANYONE
    fuzzy: bool = False


@dataclass(frozen=True)
class Hit:
    tracker_id: int
    utterance: int
    at_seconds: float
    phrase: str
    fuzzy: bool = False


def normalise(phrase: str) -> str:
    return " ".join(phrase.lower().split())


@dataclass
class CompiledTrackers:
    """The trackers of one lint: compiled once, matched over every utterance."""

    specs: list[TrackerSpec]
    pattern: re.Pattern | None = None
    by_phrase: dict[str, list[TrackerSpec]] = field(default_factory=dict)
    fuzzy_phrases: dict[int, list[str]] = field(default_factory=dict)

    @classmethod
    def compile(cls, specs: list[TrackerSpec]) -> "CompiledTrackers":
        by_phrase: dict[str, list[TrackerSpec]] = defaultdict(list)
        for spec in specs:
            for phrase in {normalise(p) for p in spec.phrases if p.strip()}:
                by_phrase[phrase].append(spec)
        pattern = re.compile(rf"(?<!\w)(?:{_trie_pattern(list(by_phrase))})(?!\w)", re.I) if by_phrase else None
        fuzzy = {s.id: sorted({normalise(p) for p in s.phrases if p.strip()}) for s in specs if s.fuzzy}
        return cls(specs, pattern, dict(by_phrase), fuzzy)

    def match(self, utterances: list[Utterance], rep_speaker: str) -> list[Hit]:
        hits: list[Hit] = []
        for index, utterance in enumerate(utterances):
            is_rep = utterance.speaker == rep_speaker
            found: dict[int, str] = {}
            if self.pattern is not None:
                for matched in self.pattern.finditer(utterance.text):
                    phrase = normalise(matched.group())
                    for spec in self.by_phrase.get(phrase, ()):
                        if spec.id not in found and _speaks(spec, is_rep):
                            found[spec.id] = phrase
            hits.extend(Hit(tid, index, utterance.start, phrase) for tid, phrase in found.items())
            for spec in self.specs:
                wanted = spec.fuzzy and spec.id not in found and _speaks(spec, is_rep)
                if wanted and (phrase := _fuzzy_phrase(utterance.text, self.fuzzy_phrases[spec.id])):
                    hits.append(Hit(spec.id, index, utterance.start, phrase, fuzzy=True))
        return hits


def _trie_pattern(phrases: list[str]) -> str:
    """One alternation of `phrases` as a character trie ("price|pricing" -> "pric(?:e|ing)").

    A flat alternation of hundreds of phrases makes the regex engine try each at every position;
    the trie shares prefixes, so each position costs a walk down one branch. At a place where
    several phrases match, the longest that still ends on a word boundary wins (greedy branches,
    with backtracking). A space matches any run of whitespace.
    """
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}
    return _node_pattern(trie)


def _node_pattern(node: dict) -> str:
    ends_here = "" in node
    branches = [
        (r"\s+" if char == " " else re.escape(char)) + _node_pattern(child)
        for char, child in sorted(node.items())
        if char
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    return f"(?:{body})?" if ends_here else body


def _speaks(spec: TrackerSpec, is_rep: bool) -> bool:
    return spec.speaker == Speaker.ANYONE or (spec.speaker == Speaker.REP) == is_rep


def _fuzzy_phrase(text: str, phrases: list[str]) -> str:
    """The first phrase (longest first) a run of words of `text` of its length is near, or ""."""
    words = [w.lower() for w in WORD.findall(text)]
    for length in sorted({len(p.split()) for p in phrases}, reverse=True):
        candidates = [p for p in phrases if len(p.split()) == length]
        for start in range(len(words) - length + 1):
            run = " ".join(words[start : start + length])
            if match := process.extractOne(run, candidates, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN_SCORE):
                return match[0]
    return ""
