"""The words search understands, read once per library version in each process.

- the vocabulary (`SearchWord`: titles, tags, types, audiences) that typos are corrected against;
- phrases that name a type ("case studies", "one pager", "deck"), an audience ("CFO") or a tag
  ("healthcare", "northwind"): each becomes a chip;
- the synonyms enablement admins edit (`SearchSynonym`).

The library version is a token in the shared cache, replaced whenever anything is published,
archived or changed (`library_changed`, called by the services and the synonym admin), so every
process reads the new words on its next search and cached counts are never served stale.
"""

import re
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from django.core.cache import cache
from django.db import transaction
from django.db.models import CharField, Value

from collateral.models import AssetType, Audience, CollateralTag, SearchSynonym, SearchWord, TagKind

VERSION_KEY = "collateral:library-version"
# Tag kinds that are facets (and so chips); "other" tags are only words.
CHIP_TAG_KINDS = (TagKind.INDUSTRY, TagKind.USE_CASE, TagKind.COMPETITOR)

# What reps call each type, besides its label: indexed with the asset (search_text) and read as chips.
TYPE_WORDS: dict[str, tuple[str, ...]] = {
    AssetType.CASE_STUDY: ("case study", "customer story"),
    AssetType.WHITEPAPER: ("whitepaper", "white paper"),
    AssetType.DEMO_VIDEO: ("demo video", "video"),
    AssetType.ONE_PAGER: ("one pager", "onepager", "one sheet"),
    AssetType.TECH_SHEET: ("tech sheet", "datasheet", "data sheet", "spec sheet"),
    AssetType.BATTLECARD: ("battlecard", "battle card"),
    AssetType.PITCH_DECK: ("pitch deck", "deck", "slides"),
}

# PostgreSQL's English stop words, dropped from queries on every backend (FTS5 indexes them),
# so that "payments or retail" means the same on both.
_STOP_WORDS_TEXT = (
    "a about above after again against all am an and any are as at be because been before being below between "
    "both but by can did do does doing don down during each few for from further had has have having he her here "
    "hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now "
    "of off on once only or other our ours ourselves out over own s same she should so some such t than that the "
    "their theirs them themselves then there these they this those through to too under until up very was we "
    "were what when where which while who whom why will with you your yours yourself yourselves"
)
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
WORD_RE = re.compile(r"[^\W_]+")
# Words shorter than this are never corrected nor added to the vocabulary ("x", "q3").
MIN_WORD = 3

_stemmer = snowballstemmer.stemmer("english")
_stem_lock = threading.Lock()


@lru_cache(maxsize=20_000)
def stem(word: str) -> str:
    """The English (Porter 2) stem, as PostgreSQL's english config and nearly as FTS5's porter."""
    # The generated stemmer keeps state between calls: one thread at a time.
    with _stem_lock:
        return str(_stemmer.stemWord(word))


def words_of(text: str) -> list[str]:
    """Lower-cased words; punctuation and underscores separate words."""
    return WORD_RE.findall((text or "").lower())


def phrase_of(text: str) -> tuple[str, ...]:
    """The stems of the words that count (stop words dropped): how phrases are compared."""
    return tuple(stem(word) for word in words_of(text) if word not in STOP_WORDS)


def type_search_words(asset_type: str) -> str:
    """The words an asset of `asset_type` is found by: its label and what reps call it."""
    return " ".join((AssetType(asset_type).label, *TYPE_WORDS[asset_type]))


@dataclass(frozen=True)
class ChipPhrase:
    param: str  # "type", "audience" or a tag kind: the library's filter parameter
    value: str  # the filter's value: a type, an audience name, a tag slug
    label: str


@dataclass(frozen=True)
class Lexicon:
    version: str
    vocabulary: tuple[str, ...]  # sorted, for deterministic corrections
    stems: frozenset[str]
    phrases: dict[tuple[str, ...], ChipPhrase]  # stems of a phrase -> the chip it names
    synonyms: dict[tuple[str, ...], tuple[str, ...]]  # stems of a term -> the words it also means
    longest_phrase: int


def library_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY) or "uncached"
    return str(version)


def library_changed() -> None:
    """Anything searchable changed: a new version now, and again once the change commits (so a
    process that read the old rows between the two reads them again)."""

    def bump() -> None:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)

    bump()
    transaction.on_commit(bump)


def vocabulary_add(texts: Iterable[str]) -> None:
    """Add the words of `texts` to the vocabulary (one INSERT; known words are skipped)."""
    words = {word for text in texts for word in words_of(text) if len(word) >= MIN_WORD and not word.isdigit()}
    words -= STOP_WORDS
    SearchWord.objects.bulk_create(
        [SearchWord(word=word[:64]) for word in sorted(words)], ignore_conflicts=True, batch_size=1000
    )


_loaded: dict[str, Lexicon] = {}
_load_lock = threading.Lock()


def lexicon() -> Lexicon:
    """The lexicon of the current library version (one query when it changed, else none)."""
    version = library_version()
    found = _loaded.get(version)
    if found is None:
        found = _load(version)
        with _load_lock:
            _loaded.clear()
            _loaded[version] = found
    return found


def _rows() -> list[tuple[str, str, str, str]]:
    """Every row the lexicon is made of, in one query: (source, a, b, c)."""
    blank = Value("", output_field=CharField())
    words = SearchWord.objects.order_by().annotate(s=Value("w"), b=blank, c=blank).values_list("s", "word", "b", "c")
    tags = CollateralTag.objects.order_by().filter(kind__in=CHIP_TAG_KINDS).annotate(s=Value("t"))
    audiences = Audience.objects.order_by().annotate(s=Value("a"), b=blank, c=blank).values_list("s", "name", "b", "c")
    synonyms = SearchSynonym.objects.order_by().annotate(s=Value("s"), c=blank).values_list("s", "term", "means", "c")
    union = words.union(tags.values_list("s", "name", "slug", "kind"), audiences, synonyms, all=True)
    return list(union)


def _load(version: str) -> Lexicon:
    rows = _rows()
    phrases: dict[tuple[str, ...], ChipPhrase] = {}
    for asset_type, forms in TYPE_WORDS.items():
        label = AssetType(asset_type).label
        for form in (label, *forms):
            phrases[phrase_of(form)] = ChipPhrase("type", asset_type, label)
    for _, name, _, _ in sorted(r for r in rows if r[0] == "a"):
        phrases.setdefault(phrase_of(name), ChipPhrase("audience", name, name))
    tags = sorted((name, slug, kind) for source, name, slug, kind in rows if source == "t")
    for name, slug, kind in tags:
        label = name.replace("_", " ")
        phrases.setdefault(phrase_of(label), ChipPhrase(kind, slug, label))
        bare = label.removeprefix("competitor ")
        if kind == TagKind.COMPETITOR and bare != label and len(bare) >= MIN_WORD:
            phrases.setdefault(phrase_of(bare), ChipPhrase(kind, slug, label))
    phrases.pop((), None)
    synonym_rows = sorted((term, means) for source, term, means, _ in rows if source == "s")
    synonyms = {
        phrase_of(term): tuple(w for w in words_of(means) if w not in STOP_WORDS) for term, means in synonym_rows
    }
    synonyms = {term: means for term, means in synonyms.items() if term and means}
    words = {word for source, word, _, _ in rows if source == "w"}
    for asset_type in TYPE_WORDS:
        words.update(words_of(type_search_words(asset_type)))
    words.update(w for name, _, _ in tags for w in words_of(name))
    words.update(w for term, _ in synonym_rows for w in words_of(term))
    words = {w for w in words if len(w) >= MIN_WORD and w not in STOP_WORDS}
    return Lexicon(
        version=version,
        vocabulary=tuple(sorted(words)),
        stems=frozenset(stem(w) for w in words),
        phrases=phrases,
        synonyms=synonyms,
        longest_phrase=max([len(p) for p in phrases] + [len(t) for t in synonyms] + [1]),
    )
