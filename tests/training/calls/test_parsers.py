import pytest

from training.calls.parsers import TranscriptError, Utterance, detect_format, parse_transcript, suggest_rep_speaker

VTT = """WEBVTT

00:00:01.500 --> 00:00:04.000
<v Dana Whitfield>Thanks for joining. What made you look at this now?

00:00:04.500 --> 00:00:09.250
<v Sam Ortiz>Our renewal with Vantage is up in March.

00:00:09.250 --> 00:00:10.000
and it is expensive.
"""

SRT = """1
00:00:00,000 --> 00:00:02,500
Dana: Hi Sam, can you hear me?

2
00:00:03,000 --> 00:00:05,000
Sam: Yes, loud and clear.
"""

PLAIN = """[00:00] Dana: Hello, how are things?
[00:06] Sam: Busy. We lost two people.
the team is thin
[01:02] Dana: Let's book a follow up.
"""


def test_it_reads_webvtt_voices_and_carries_a_speaker_over_an_unnamed_caption():
    assert parse_transcript(VTT, "vtt") == [
        Utterance("Dana Whitfield", 1.5, 4.0, "Thanks for joining. What made you look at this now?"),
        Utterance("Sam Ortiz", 4.5, 9.25, "Our renewal with Vantage is up in March."),
        Utterance("Sam Ortiz", 9.25, 10.0, "and it is expensive."),
    ]


def test_it_reads_srt_with_speaker_prefixes():
    assert parse_transcript(SRT, "srt") == [
        Utterance("Dana", 0.0, 2.5, "Hi Sam, can you hear me?"),
        Utterance("Sam", 3.0, 5.0, "Yes, loud and clear."),
    ]


def test_it_reads_plain_text_with_stamps_each_lasting_until_the_next():
    assert parse_transcript(PLAIN, "txt") == [
        Utterance("Dana", 0.0, 6.0, "Hello, how are things?"),
        Utterance("Sam", 6.0, 62.0, "Busy. We lost two people. the team is thin"),
        # The last one: 5 words at 0.4 s a word.
        Utterance("Dana", 62.0, 64.0, "Let's book a follow up."),
    ]


def test_plain_text_without_stamps_runs_at_the_speaking_pace():
    assert parse_transcript("Dana: one two three\nSam: four", "txt") == [
        Utterance("Dana", 0.0, pytest.approx(1.2), "one two three"),
        Utterance("Sam", pytest.approx(1.2), pytest.approx(1.6), "four"),
    ]


@pytest.mark.parametrize(
    ("text", "fmt", "message"),
    [
        ("not a vtt file", "vtt", "Not a readable WebVTT file"),
        ("1\n00:00:01,000 -> nonsense\nhi", "srt", "Not a readable SRT file"),
        ("just words with no speaker", "txt", "Line 1: no speaker"),
        ("[00:75] Dana: hi", "txt", "Line 1: 75 is not a number of seconds"),
        ("[01:00] Dana: hi\n[00:10] Sam: back", "txt", r"Utterance 2 \(Sam\): its stamp goes back in time"),
        ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nno speaker anywhere\n", "vtt", "No speaker is named"),
        ("Dana: a\x00b", "txt", "cannot be stored"),
        ("Dana: hi", "doc", "Unknown transcript format"),
        ("Dana: " + "word " * 500_000, "txt", "over 2048 KB"),
    ],
)
def test_it_refuses_what_it_cannot_read_with_a_message_saying_where(text, fmt, message):
    with pytest.raises(TranscriptError, match=message):
        parse_transcript(text, fmt)


def test_it_detects_the_format_from_the_name_or_the_first_line():
    assert detect_format(VTT) == "vtt"
    assert detect_format(SRT) == "srt"
    assert detect_format(PLAIN) == "txt"
    assert detect_format("anything", "call.SRT") == "srt"


def test_it_suggests_the_speaker_nearest_the_reps_name():
    assert suggest_rep_speaker(["Sam Ortiz", "Dana Whitfield"], ["Dana Whitfield", "Dana", "dana"]) == "Dana Whitfield"
    assert suggest_rep_speaker(["Speaker 1", "Speaker 2"], ["Dana Whitfield", "Dana", "dwhitfield"]) == ""
