"""What a rep meant by a query: its terms (with synonyms), corrected typos and chips.

Pure Python over the `Lexicon`: no query of its own, the same on every database.
"""

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from collateral.search.lexicon import MIN_WORD, STOP_WORDS, Lexicon, lexicon, stem, words_of

MAX_TERMS = 8
# rapidfuzz's ratio (100 = the same word) a correction needs: one slip in a word of five letters or more.
CORRECTION_SCORE = 80
# Shorter words are only corrected when this close (a slip in four letters is a different word more often).
SHORT_WORD = 5
SHORT_WORD_SCORE = 85


@dataclass(frozen=True)
class Chip:
    """A filter the rep can see and remove: understood from words of the query (`words`), or
    chosen from the facets (no words)."""

    param: str
    value: str
    label: str
    words: tuple[str, ...] = ()

    @property
    def kind_label(self) -> str:
        return {"type": "Type", "audience": "Audience", "industry": "Industry", "use_case": "Use case"}.get(
            self.param, "Competitor"
        )


@dataclass(frozen=True)
class Term:
    """One thing the rep asked for: any of its alternatives (all of its words) matching counts.
    The first alternative is what was typed; the others are synonyms."""

    alternatives: tuple[tuple[str, ...], ...]
    prefix: bool = False  # the last word as typed matches as a prefix (live search as you type)


@dataclass(frozen=True)
class Understood:
    text: str
    terms: tuple[Term, ...] = ()
    chips: tuple[Chip, ...] = ()
    corrected: str = ""  # the query as searched when a word was corrected ("showing results for")
    types: tuple[str, ...] = field(default=())  # types the words named: a boost

    @property
    def is_empty(self) -> bool:
        return not self.terms

    @property
    def stems(self) -> frozenset[str]:
        """Stems of every word searched for, for highlighting."""
        return frozenset(stem(word) for term in self.terms for alt in term.alternatives for word in alt)

    @property
    def prefixes(self) -> tuple[str, ...]:
        return tuple(term.alternatives[0][0] for term in self.terms if term.prefix)


def understand(text: str, *, literal: bool = False, words: Lexicon | None = None) -> Understood:
    """Read `text`: typos corrected against the library's vocabulary (unless `literal`), chips for
    the words that name a type, an audience or a tag, synonyms added to the terms."""
    text = (text or "").strip()
    tokens = words_of(text)
    if not tokens:
        return Understood(text=text)
    words = words or lexicon()
    # The last word may be half typed: a prefix of a known word is neither corrected nor a chip yet.
    typing = not text[-1:].isspace()
    corrections = {} if literal else _corrections(tokens, words, typing=typing)
    tokens = [corrections.get(token, token) for token in tokens]
    kept = [token for token in tokens if token not in STOP_WORDS][:MAX_TERMS]
    if not kept:
        return Understood(text=text)
    stems = [stem(token) for token in kept]
    chips = _chips(kept, stems, words)
    terms = _terms(kept, stems, words, prefix=typing and kept[-1] not in corrections.values())
    corrected = ""
    if corrections:
        corrected = text
        for wrong, right in corrections.items():
            corrected = re.sub(rf"(?i)\b{re.escape(wrong)}\b", right, corrected)
    return Understood(
        text=text,
        terms=terms,
        chips=chips,
        corrected=corrected,
        types=tuple(dict.fromkeys(chip.value for chip in chips if chip.param == "type")),
    )


def _corrections(tokens: list[str], words: Lexicon, *, typing: bool) -> dict[str, str]:
    corrections = {}
    for index, token in enumerate(tokens):
        if len(token) < MIN_WORD + 1 or token.isdigit() or token in STOP_WORDS or stem(token) in words.stems:
            continue
        if typing and index == len(tokens) - 1 and any(word.startswith(token) for word in words.vocabulary):
            continue
        cutoff = SHORT_WORD_SCORE if len(token) < SHORT_WORD else CORRECTION_SCORE
        best = process.extractOne(token, words.vocabulary, scorer=fuzz.ratio, score_cutoff=cutoff)
        if best is not None:
            corrections[token] = best[0]
    return corrections


def _longest_match(stems: list[str], start: int, table: dict, longest: int) -> int:
    for length in range(min(longest, len(stems) - start), 0, -1):
        if tuple(stems[start : start + length]) in table:
            return length
    return 0


def _chips(tokens: list[str], stems: list[str], words: Lexicon) -> tuple[Chip, ...]:
    chips: dict[tuple[str, str], Chip] = {}
    index = 0
    while index < len(stems):
        length = _longest_match(stems, index, words.phrases, words.longest_phrase)
        if not length:
            index += 1
            continue
        phrase = words.phrases[tuple(stems[index : index + length])]
        key = (phrase.param, phrase.value)
        chips.setdefault(key, Chip(phrase.param, phrase.value, phrase.label, tuple(tokens[index : index + length])))
        index += length
    return tuple(chips.values())


def _terms(tokens: list[str], stems: list[str], words: Lexicon, *, prefix: bool) -> tuple[Term, ...]:
    terms = []
    index = 0
    while index < len(tokens):
        length = _longest_match(stems, index, words.synonyms, words.longest_phrase)
        if length:
            typed = tuple(tokens[index : index + length])
            terms.append(Term((typed, words.synonyms[tuple(stems[index : index + length])])))
            index += length
            continue
        last = index == len(tokens) - 1
        terms.append(Term(((tokens[index],),), prefix=prefix and last))
        index += 1
    return tuple(terms)
