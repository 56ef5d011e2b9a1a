"""Matched words marked in a result's title and description."""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from collateral.search.lexicon import stem
from collateral.search.query import Understood

_WORD = re.compile(r"[^\W_]+")


def highlight(text: str, understood: Understood | None) -> SafeString:
    """`text` escaped, with every word the query matched (same stem, or the typed prefix) in <mark>."""
    if not text or understood is None or understood.is_empty:
        return mark_safe(escape(text or ""))  # noqa: S308 (escaped just now)
    stems, prefixes = understood.stems, understood.prefixes
    out, last = [], 0
    for match in _WORD.finditer(text):
        word = match.group().lower()
        if stem(word) in stems or any(word.startswith(prefix) for prefix in prefixes):
            out += [escape(text[last : match.start()]), f"<mark>{escape(match.group())}</mark>"]
            last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 (every piece escaped above)
