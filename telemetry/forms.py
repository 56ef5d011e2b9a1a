from datetime import date
from typing import Any, cast

from django import forms

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
