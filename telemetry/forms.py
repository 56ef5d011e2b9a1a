from datetime import date
from typing import Any, cast

from django import forms
from django.utils import timezone

from pipeline.models import OPEN_STAGES
from telemetry.models import Period


class SnapshotForm(forms.Form):
    """Which stored snapshot to read: its date (one that has a snapshot) and the period."""

    as_of = forms.TypedChoiceField(label="As of", coerce=date.fromisoformat, required=False, empty_value=None)
    period = forms.ChoiceField(choices=Period.choices, initial=Period.QUARTER, required=False)

    def __init__(self, *args: Any, dates: list[date], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["as_of"]).choices = [(d.isoformat(), d.isoformat()) for d in dates]

    def selection(self) -> tuple[date | None, str]:
        """The chosen (as_of, period); call after is_valid(). None means the latest snapshot."""
        return self.cleaned_data.get("as_of"), self.cleaned_data.get("period") or Period.QUARTER


class RecomputeForm(forms.Form):
    as_of = forms.DateField(label="As of", required=False, help_text="Default: today.")


class CoachingAssignForm(forms.Form):
    """Assign the modules of a stage to a rep, due on a date from today on."""

    stage = forms.ChoiceField(choices=[(stage.value, stage.label) for stage in OPEN_STAGES])
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def clean_due_date(self) -> date:
        due: date = self.cleaned_data["due_date"]
        if due < timezone.localdate():
            raise forms.ValidationError("Choose a due date from today on.")
        return due
