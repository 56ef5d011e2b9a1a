import re

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from training.forms import parse_timestamped_comments
from training.markdown import render_markdown
from training.models import MAX_REVIEW_COMMENTS, format_timestamp

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


@pytest.mark.parametrize(
    ("line", "seconds"),
    [("1:02:30 Pricing objection", 3750), ("62:30 Pricing objection", 3750), ("0:00:05 Hello", 5)],
)
def test_a_timestamp_reads_as_mm_ss_or_h_mm_ss(line, seconds):
    assert parse_timestamped_comments(line) == [(seconds, line.split(" ", 1)[1])]


def test_an_hour_or_more_is_shown_as_h_mm_ss():
    assert (format_timestamp(3750), format_timestamp(3599)) == ("1:02:30", "59:59")


@pytest.mark.parametrize("line", ["1:60:00 sixty minutes", "1:2:30 one-digit minutes", "1:02:60 sixty seconds"])
def test_a_bad_h_mm_ss_timestamp_is_refused(line):
    with pytest.raises(ValidationError, match="Line 1"):
        parse_timestamped_comments(line)


def test_more_comments_than_a_review_holds_are_refused_before_any_is_read():
    text = "\n".join(f"00:{n % 60:02d} comment {n}" for n in range(MAX_REVIEW_COMMENTS + 1))
    with pytest.raises(ValidationError, match=f"At most {MAX_REVIEW_COMMENTS} comments"):
        parse_timestamped_comments(text)
    assert len(parse_timestamped_comments(text.rsplit("\n", 1)[0])) == MAX_REVIEW_COMMENTS


def test_many_bad_lines_are_summed_up_after_the_first_few():
    with pytest.raises(ValidationError) as refused:
        parse_timestamped_comments("\n".join(["no timestamp"] * 50))
    assert len(refused.value.messages) == 11
    assert "40 more lines" in refused.value.messages[-1]
