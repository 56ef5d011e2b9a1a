"""Text the database cannot store: PostgreSQL refuses a NUL character in text and JSON, and a
lone surrogate ("\\ud800", valid in JSON and in a Python str) has no UTF-8 encoding."""

import re

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(text: str) -> bool:
    return UNSTORABLE.search(text) is not None
