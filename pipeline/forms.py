from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from accounts.models import Team, User
from pipeline.models import REASON_EVENTS, Deal, Event, LostReason, StageCriterion
from pipeline.services import EDITABLE_FIELDS, owners_assignable_by


class BoardFilterForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label="Everyone")
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="All teams")
    product = forms.ChoiceField(required=False)
    close_month = forms.DateField(
        required=False,
        input_formats=["%Y-%m"],
        label="Close month",
        help_text="Expected to close (open deals) or closed (won and lost) that month.",
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )

    def __init__(
        self,
        *args: Any,
        owners: QuerySet[User] | None,
        teams: QuerySet[Team] | None,
        products: list[str],
        **kwargs: Any,
    ) -> None:
        """`owners` None hides the owner filter (a rep's board), `teams` None the team filter."""
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["product"]).choices = [("", "All products"), *[(p, p) for p in products]]
        if owners is None:
            del self.fields["owner"]
        else:
            cast(forms.ModelChoiceField, self.fields["owner"]).queryset = owners
        if teams is None:
            del self.fields["team"]
        else:
            cast(forms.ModelChoiceField, self.fields["team"]).queryset = teams


class DealForm(forms.ModelForm):
    """The fields anyone may edit on a deal: never its stage, owner or team."""

    class Meta:
        model = Deal
        fields = EDITABLE_FIELDS
        widgets = {"expected_close_date": forms.DateInput(attrs={"type": "date"})}


class TransitionForm(forms.Form):
    event = forms.ChoiceField(choices=[(e.value, e.label) for e in Event if e not in {Event.CREATED, Event.IMPORTED}])
    lost_reason = forms.ModelChoiceField(
        queryset=LostReason.objects.filter(active=True), required=False, label="Why was it lost?"
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("event") == Event.DEAL_LOST and not data.get("lost_reason"):
            self.add_error("lost_reason", "Choose why the deal was lost.")
        if data.get("event") in REASON_EVENTS and not data.get("note", "").strip():
            self.add_error("note", "Say why the deal goes back.")
        return data


class LostForm(forms.Form):
    lost_reason = forms.ModelChoiceField(
        queryset=LostReason.objects.filter(active=True),
        label="Why was it lost?",
        empty_label="Choose a reason",
        error_messages={"required": "Choose why the deal was lost."},
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="Optional detail.")


class CheckForm(forms.Form):
    criterion = forms.ModelChoiceField(queryset=StageCriterion.objects.active(), widget=forms.HiddenInput)
    evidence = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What shows it holds: who said so, a meeting, a document.",
    )


class ReasonForm(forms.Form):
    """Moving a deal back a stage or reopening it: the reason goes into its history."""

    note = forms.CharField(
        label="Why?", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), help_text="Kept in the deal's history."
    )


class ReassignForm(forms.Form):
    """A new owner for a deal or a lead, chosen among those `user` may hand it to, and why."""

    new_owner = forms.ModelChoiceField(queryset=User.objects.none(), label="New owner", empty_label="Choose a person")
    reason = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), help_text="Kept in the history."
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["new_owner"]).queryset = owners_assignable_by(user)
