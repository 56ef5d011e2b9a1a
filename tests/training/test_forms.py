import re

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from training.forms import parse_timestamped_comments
from training.markdown import render_markdown
from training.models import format_timestamp

comment_text = st.text(alphabet=st.characters(blacklist_categories=["Cc", "Cs", "Zl", "Zp"]), min_size=1).filter(
    lambda s: s.strip() == s and s
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(min_value=0, max_value=999 * 60 + 59), comment_text), max_size=5))
def test_timestamped_comments_round_trip(comments):
    text = "\n".join(f"{format_timestamp(seconds)} {body}" for seconds, body in comments)
    assert parse_timestamped_comments(text) == comments


@pytest.mark.parametrize("line", ["1:5 too short", "01:60 sixty seconds", "0130 no colon", "01:30", "hello"])
def test_a_line_without_a_valid_timestamp_and_text_is_refused(line):
    with pytest.raises(ValidationError, match="Line 1"):
        parse_timestamped_comments(line)


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet="<>/=\"' :;&#xabcdefghijlmnoprstv()[]!*-_\n", max_size=80))
def test_no_markdown_input_produces_a_script_or_a_handler(text):
    html = render_markdown(text).lower()
    assert "<script" not in html
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", html), html
    assert not re.search(r"(href|src)=\"\s*(javascript|vbscript|data):", html), html
