"""Transcripts in the formats people export: WebVTT (Zoom, Teams), SRT (Gong) and plain text.

Each parser returns utterances (speaker, start and end in seconds, text) or raises
`TranscriptError` with a message saying what is wrong and where; nothing is stored by a parser.
"""

import io
import re
from dataclasses import dataclass

import srt
import webvtt
from webvtt.errors import MalformedFileError

from enablement_portal.text import unstorable

# A 60-minute call exported as WebVTT is ~150 KB; ten times that is not a sales call.
MAX_TRANSCRIPT_BYTES = 2 * 1024 * 1024
MAX_UTTERANCES = 20_000
# Plain text without stamps: a rough speaking pace gives each utterance its length.
SECONDS_PER_WORD = 0.4

FORMATS = ("vtt", "srt", "txt")
SPEAKER_PREFIX = re.compile(r"^\s*([^:\n]{1,60}?)\s*:\s+(.*)$", re.S)
STAMP_LINE = re.compile(r"^\s*\[(?:(\d{1,2}):)?(\d{1,3}):(\d{2})\]\s*(.*)$")


class TranscriptError(ValueError):
    """A transcript that cannot be read; the message says what and where."""


@dataclass(frozen=True)
class Utterance:
    speaker: str
    start: float
    end: float
    text: str

    def as_json(self) -> list[object]:
        return [self.speaker, round(self.start, 3), round(self.end, 3), self.text]

    @classmethod
    def from_json(cls, row: list) -> "Utterance":
        return cls(str(row[0]), float(row[1]), float(row[2]), str(row[3]))


def detect_format(text: str, filename: str = "") -> str:
    """vtt, srt or txt, from the file's name or else its first line."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix in FORMATS:
        return suffix
    first = text.lstrip("\ufeff").lstrip()
    if first.startswith("WEBVTT"):
        return "vtt"
    if re.match(r"\d+\s*\n\d\d:\d\d:\d\d,\d{3} --> ", first):
        return "srt"
    return "txt"


def decode_upload(data: bytes) -> str:
    if len(data) > MAX_TRANSCRIPT_BYTES:
        raise TranscriptError(
            f"The transcript is {len(data) // 1024} KB; at most {MAX_TRANSCRIPT_BYTES // 1024} KB is accepted."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TranscriptError(f"The transcript is not UTF-8 text (byte {error.start} is not readable).") from None


def parse_transcript(text: str, fmt: str) -> list[Utterance]:
    """Utterances of `text` in format `fmt` (vtt, srt, txt); TranscriptError if none can be read."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_TRANSCRIPT_BYTES:
        raise TranscriptError(f"The transcript is over {MAX_TRANSCRIPT_BYTES // 1024} KB.")
    if unstorable(text):
        raise TranscriptError("The transcript contains characters that cannot be stored (NUL or lone surrogates).")
    parser = {"vtt": _parse_vtt, "srt": _parse_srt, "txt": _parse_plain}.get(fmt)
    if parser is None:
        raise TranscriptError(f"Unknown transcript format {fmt!r}: use one of {', '.join(FORMATS)}.")
    utterances = [u for u in parser(text.lstrip("\ufeff")) if u.text]
    if not utterances:
        raise TranscriptError("No speech was found in the transcript.")
    if len(utterances) > MAX_UTTERANCES:
        raise TranscriptError(f"The transcript has {len(utterances)} utterances; at most {MAX_UTTERANCES}.")
    if not any(u.speaker for u in utterances):
        raise TranscriptError("No speaker is named: write each line as “Speaker: text”.")
    return utterances


def _speaker_and_text(raw: str, voice: str | None = None) -> tuple[str, str]:
    text = " ".join(raw.split())
    if voice:
        return voice.strip(), text
    match = SPEAKER_PREFIX.match(text)
    return (match.group(1).strip(), match.group(2).strip()) if match else ("", text)


def _parse_vtt(text: str) -> list[Utterance]:
    try:
        captions = webvtt.from_buffer(io.StringIO(text))
    except MalformedFileError as error:
        raise TranscriptError(f"Not a readable WebVTT file: {error}.") from None
    utterances = []
    for caption in captions.captions:
        speaker, words = _speaker_and_text(caption.text, caption.voice)
        # in_seconds() drops the milliseconds.
        start, end = caption.start_time.in_milliseconds() / 1000, caption.end_time.in_milliseconds() / 1000
        utterances.append(Utterance(speaker, float(start), float(max(end, start)), words))
    return _carry_speakers(utterances)


def _parse_srt(text: str) -> list[Utterance]:
    try:
        subtitles = list(srt.parse(text))
    except (srt.SRTParseError, ValueError) as error:
        raise TranscriptError(f"Not a readable SRT file: {error}.") from None
    utterances = []
    for subtitle in subtitles:
        speaker, words = _speaker_and_text(subtitle.content)
        start, end = subtitle.start.total_seconds(), subtitle.end.total_seconds()
        utterances.append(Utterance(speaker, start, max(end, start), words))
    return _carry_speakers(utterances)


def _carry_speakers(utterances: list[Utterance]) -> list[Utterance]:
    """A caption without a speaker continues the previous speaker's turn (exports split long turns)."""
    carried, speaker = [], ""
    for utterance in utterances:
        speaker = utterance.speaker or speaker
        carried.append(Utterance(speaker, utterance.start, utterance.end, utterance.text))
    return carried


def _parse_plain(text: str) -> list[Utterance]:
    """`Speaker: text` lines, each optionally after a `[mm:ss]` or `[h:mm:ss]` stamp.

    A line without a speaker continues the previous utterance. A stamped utterance lasts until
    the next stamp; one without stamps lasts SECONDS_PER_WORD per word.
    """
    rows: list[list] = []  # [speaker, stamp or None, text]
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        stamp = None
        if match := STAMP_LINE.match(line):
            hours, minutes, seconds, line = match.groups()
            if int(seconds) > 59:
                raise TranscriptError(f"Line {number}: {seconds} is not a number of seconds (00 to 59).")
            stamp = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
        speaker, words = _speaker_and_text(line)
        if speaker:
            rows.append([speaker, stamp, words])
        elif rows:
            rows[-1][2] = f"{rows[-1][2]} {words}"
        else:
            raise TranscriptError(f"Line {number}: no speaker; write “Speaker: text”.")
    return _timed(rows)


def _timed(rows: list[list]) -> list[Utterance]:
    utterances, clock = [], 0.0
    for index, (speaker, stamp, words) in enumerate(rows):
        start = float(stamp) if stamp is not None else clock
        if start < clock - 0.001 and stamp is not None:
            raise TranscriptError(f"Utterance {index + 1} ({speaker}): its stamp goes back in time.")
        spoken = len(words.split()) * SECONDS_PER_WORD
        following = rows[index + 1][1] if index + 1 < len(rows) else None
        end = max(start, start + spoken if following is None else float(following))
        utterances.append(Utterance(speaker, start, end, words))
        clock = end
    return utterances


def suggest_rep_speaker(speakers: list[str], rep_names: list[str]) -> str:
    """The speaker whose name is nearest the rep's (full name, first name, username); "" if none is near."""
    from rapidfuzz import fuzz, process

    names = [n.lower() for n in rep_names if n]
    best, best_score = "", 0.0
    for speaker in speakers:
        match = process.extractOne(speaker.lower(), names, scorer=fuzz.WRatio)
        if match and match[1] > best_score:
            best, best_score = speaker, match[1]
    return best if best_score >= 80 else ""
