import re
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Role, Team, User
from pipeline.models import Deal
from training.calls.parsers import MAX_TRANSCRIPT_BYTES, TranscriptError, decode_upload
from training.models import (
    MAX_REVIEW_COMMENTS,
    SCORE_MAX,
    SCORE_MIN,
    CallReview,
    Criterion,
    Program,
    format_timestamp,
)

# "mm:ss text" or "h:mm:ss text"; hours only before two-digit minutes, so "62:30" and "1:02:30" both read.
TIMESTAMPED_LINE = re.compile(
    r"^(?:(?P<hours>\d{1,2}):(?=[0-5]\d:))?(?P<minutes>\d{1,3}):(?P<seconds>[0-5]\d)\s+(?P<text>\S.*)$"
)
# With MAX_REVIEW_COMMENTS, the form's post stays small work: 250 characters a comment on average.
MAX_COMMENTS_CHARS = 50_000
MAX_LINE_ERRORS = 10


def parse_timestamped_comments(text: str) -> list[tuple[int, str]]:
    """'mm:ss comment' or 'h:mm:ss comment' per line -> [(seconds, comment)]; blank lines are skipped.

    Raises ValidationError naming the first MAX_LINE_ERRORS bad lines, or saying the text has
    more than MAX_REVIEW_COMMENTS comments.
    """
    lines = [(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if len(lines) > MAX_REVIEW_COMMENTS:
        raise ValidationError(f"At most {MAX_REVIEW_COMMENTS} comments per review; this has {len(lines)}.")
    comments, errors = [], []
    for number, line in lines:
        match = TIMESTAMPED_LINE.match(line)
        if not match:
            errors.append(
                f"Line {number} does not start with a mm:ss or h:mm:ss timestamp and a comment: “{line[:40]}”."
            )
            continue
        seconds = int(match["hours"] or 0) * 3600 + int(match["minutes"]) * 60 + int(match["seconds"])
        comments.append((seconds, match["text"]))
    if len(errors) > MAX_LINE_ERRORS:
        errors = [*errors[:MAX_LINE_ERRORS], f"… and {len(errors) - MAX_LINE_ERRORS} more lines like these."]
    if errors:
        raise ValidationError(errors)
    return comments


TIMESTAMP = re.compile(r"^(?:(?P<hours>\d{1,2}):(?=[0-5]\d:))?(?P<minutes>\d{1,3}):(?P<seconds>[0-5]\d)$")


def parse_timestamp(text: str) -> int:
    """'mm:ss' or 'h:mm:ss' -> seconds; anything else raises ValidationError saying what to type."""
    match = TIMESTAMP.match(text.strip())
    if not match:
        raise ValidationError(
            f"“{text.strip()[:20]}” is not a time in the call: write mm:ss (03:15) or h:mm:ss (1:02:30).",
            code="timestamp",
        )
    return int(match["hours"] or 0) * 3600 + int(match["minutes"]) * 60 + int(match["seconds"])


class TimestampField(forms.CharField):
    """A moment of the call typed as mm:ss or h:mm:ss; cleans to seconds."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault("help_text", "mm:ss or h:mm:ss, e.g. 03:15 or 1:02:30.")
        super().__init__(**kwargs)

    def clean(self, value: Any) -> int:
        return parse_timestamp(super().clean(value))

    def prepare_value(self, value: Any) -> Any:
        return format_timestamp(value) if isinstance(value, int) else value


class ReviewCommentForm(forms.Form):
    at = TimestampField(label="At")
    text = forms.CharField(label="Comment", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class ReplyForm(forms.Form):
    text = forms.CharField(label="Answer", max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


def _https_by_default(field: models.Field, **kwargs: Any) -> forms.Field | None:
    # A URL typed without a scheme is taken as https (Django 6's default, chosen now).
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class CallReviewForm(forms.ModelForm):
    comments = forms.CharField(
        label="Timestamped comments",
        required=False,
        max_length=MAX_COMMENTS_CHARS,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One per line: mm:ss or h:mm:ss then the comment, e.g. “03:15 Good discovery question”.",
    )

    class Meta:
        model = CallReview
        fields = ["call_date", "recording_url", "transcript", "notes"]
        formfield_callback = _https_by_default
        widgets = {
            "call_date": forms.DateInput(attrs={"type": "date"}),
            "transcript": forms.Textarea(attrs={"rows": 4}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, criteria: list[Criterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        self.fields["call_date"].initial = timezone.localdate()
        choices = [("", "—")] + [(str(n), str(n)) for n in range(SCORE_MIN, SCORE_MAX + 1)]
        for criterion in criteria:
            self.fields[self.score_field(criterion)] = forms.TypedChoiceField(
                label=criterion.name, choices=choices, coerce=int, help_text=criterion.description
            )

    @staticmethod
    def score_field(criterion: Criterion) -> str:
        return f"score_{criterion.pk}"

    def score_fields(self) -> list[forms.BoundField]:
        return [self[self.score_field(c)] for c in self.criteria]

    def detail_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ["call_date", "recording_url", "transcript", "notes", "comments"]]

    def clean_comments(self) -> list[tuple[int, str]]:
        return parse_timestamped_comments(self.cleaned_data.get("comments", ""))

    def scores(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[self.score_field(c)] for c in self.criteria}


class EnrolForm(forms.Form):
    program = forms.ModelChoiceField(queryset=Program.objects.active())
    people = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Everyone on the team with the program's role.",
    )

    def __init__(self, *args: Any, viewer: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["people"]).queryset = User.objects.for_user(viewer).filter(
            is_active=True, role=Role.REP
        )
        teams = Team.objects.all() if viewer.is_enablement_admin else Team.objects.filter(pk=viewer.team_id)  # type: ignore[misc]  # None: no team
        cast(forms.ModelMultipleChoiceField, self.fields["teams"]).queryset = teams

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("people") and not data.get("teams"):
            raise ValidationError("Choose people or a team to enrol.")
        return data


class CallUploadForm(forms.Form):
    """A call of a rep to lint: its transcript file, date, deal and (optionally) recording."""

    call_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    deal = forms.ModelChoiceField(
        queryset=Deal.objects.none(), required=False, help_text="The deal the call was about."
    )
    transcript = forms.FileField(
        help_text="WebVTT (.vtt), SRT (.srt) or plain text with “Speaker: text” lines; "
        f"at most {MAX_TRANSCRIPT_BYTES // 1024 // 1024} MB."
    )
    rep_speaker = forms.CharField(
        label="The rep's speaker",
        required=False,
        max_length=60,
        help_text="As named in the transcript. Left empty: the speaker nearest the rep's name.",
    )
    recording_url = forms.URLField(required=False, assume_scheme="https", label="Recording URL")

    def __init__(self, *args: Any, deals: QuerySet[Deal], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["call_date"].initial = timezone.localdate()
        deal_field = cast(forms.ModelChoiceField, self.fields["deal"])
        deal_field.queryset = deals

    def clean_transcript(self) -> tuple[str, str]:
        """(text, file name), or a message saying why the file cannot be read."""
        upload = self.cleaned_data["transcript"]
        if upload.size > MAX_TRANSCRIPT_BYTES:
            raise forms.ValidationError(f"The file is over {MAX_TRANSCRIPT_BYTES // 1024 // 1024} MB.")
        try:
            return decode_upload(upload.read()), upload.name or ""
        except TranscriptError as error:
            raise forms.ValidationError(str(error)) from None


class RepSpeakerForm(forms.Form):
    speaker = forms.ChoiceField(label="The rep is")

    def __init__(self, *args: Any, speakers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["speaker"]).choices = [(s, s) for s in speakers]
