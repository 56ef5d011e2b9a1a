from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import Q, QuerySet

from accounts.models import Team, User
from pipeline.deal_list import DEFAULT_SORT, SORTS
from pipeline.models import REASON_EVENTS, Deal, Event, LostReason, Product, Stage, StageCriterion
from pipeline.services import EDITABLE_FIELDS, owners_assignable_by


class BoardFilterForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label="Everyone")
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="All teams")
    product = forms.ModelChoiceField(queryset=Product.objects.all(), required=False, empty_label="All products")
    close_month = forms.DateField(
        required=False,
        input_formats=["%Y-%m"],
        label="Close month",
        help_text="Expected to close (open deals) or closed (won and lost) that month.",
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    rotting = forms.BooleanField(required=False, label="Rotting only")

    def __init__(self, *args: Any, owners: QuerySet[User] | None, teams: QuerySet[Team] | None, **kwargs: Any) -> None:
        """`owners` None hides the owner filter (a rep's board), `teams` None the team filter."""
        super().__init__(*args, **kwargs)
        for name, queryset in (("owner", owners), ("team", teams)):
            if queryset is None:
                del self.fields[name]
            else:
                cast(forms.ModelChoiceField, self.fields[name]).queryset = queryset


class DealForm(forms.ModelForm):
    """The fields anyone may edit on a deal: never its stage, owner or team."""

    class Meta:
        model = Deal
        fields = EDITABLE_FIELDS
        widgets = {"expected_close_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The list's active products, and the deal's own even if it was retired since.
        products = Product.objects.filter(Q(is_active=True) | Q(pk=self.instance.product_id))
        cast(forms.ModelChoiceField, self.fields["product"]).queryset = products


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


class DealListForm(forms.Form):
    """The deal list's filters, as the shared contract names them (other pages link with these)."""

    q = forms.CharField(required=False, max_length=200, label="Search", help_text="Deal or account name")
    stage = forms.MultipleChoiceField(choices=Stage.choices, required=False, widget=forms.CheckboxSelectMultiple)
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label="Everyone")
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="All teams")
    product = forms.ModelChoiceField(queryset=Product.objects.all(), required=False, empty_label="All products")
    industry = forms.CharField(required=False, max_length=100)
    close_month = forms.DateField(
        required=False,
        input_formats=["%Y-%m"],
        label="Expected close month",
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    rotting = forms.BooleanField(required=False, label="Rotting only")
    reached = forms.ChoiceField(
        choices=[("", "Any"), *Stage.choices], required=False, label="Has reached", help_text="At any time"
    )
    closed_from = forms.DateField(required=False, label="Closed from", widget=forms.DateInput(attrs={"type": "date"}))
    closed_to = forms.DateField(
        required=False,
        label="Closed before",
        help_text="Not included",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sort = forms.ChoiceField(choices=[(key, s.label) for key, s in SORTS.items()], required=False)
    after = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def __init__(self, *args: Any, owners: QuerySet[User] | None, teams: QuerySet[Team] | None, **kwargs: Any) -> None:
        """`owners` None hides the owner filter (a rep's list), `teams` None the team filter."""
        super().__init__(*args, **kwargs)
        for name, queryset in (("owner", owners), ("team", teams)):
            if queryset is None:
                del self.fields[name]
            else:
                cast(forms.ModelChoiceField, self.fields[name]).queryset = queryset

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("closed_from"), data.get("closed_to")
        if start and end and end <= start:
            self.add_error("closed_to", "Choose a day after “Closed from”.")
        data["sort"] = data.get("sort") or DEFAULT_SORT
        return data


class DealCreateForm(forms.Form):
    """A new deal: for whom, on which account (existing or new), selling what."""

    owner = forms.ModelChoiceField(queryset=User.objects.none(), empty_label=None)
    account = forms.CharField(
        max_length=200,
        help_text="Pick an existing account or type the name of a new one to create it.",
        widget=forms.TextInput(attrs={"list": "account-names", "autocomplete": "off"}),
    )
    product = forms.ModelChoiceField(queryset=Product.objects.active(), empty_label="Choose a product")
    name = forms.CharField(required=False, max_length=200, label="Deal name", help_text="Blank: account · product.")
    amount = forms.DecimalField(min_value=Decimal("0"), max_digits=14, decimal_places=2)
    currency = forms.RegexField(
        regex=r"^[A-Z]{3}$",
        initial="USD",
        max_length=3,
        error_messages={"invalid": "Use a three-letter ISO code in capitals, e.g. USD or EUR."},
    )
    expected_close_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, owners: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = owners
