from decimal import Decimal
from typing import Any

from django import forms

from accounts.models import Role, User
from leads.models import OPEN_STATUSES, Integration, LeadStatus, ReturnReason

UNASSIGNED = "none"
AGES = [("day", "Under a day"), ("week", "1 to 7 days"), ("month", "7 to 30 days"), ("older", "Over 30 days")]


class ReturnForm(forms.Form):
    reason = forms.ChoiceField(choices=[("", "Choose a reason…"), *ReturnReason.choices])
    note = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), help_text="Marketing reads this."
    )


class ConvertForm(forms.Form):
    name = forms.CharField(required=False, max_length=200, label="Deal name", help_text="Blank: company — contact.")
    amount = forms.DecimalField(min_value=Decimal("0"), max_digits=14, decimal_places=2, initial=Decimal("0"))
    product = forms.CharField(required=False, max_length=100)


class QualityFilterForm(forms.Form):
    days = forms.TypedChoiceField(
        choices=[(7, "Last 7 days"), (30, "Last 30 days"), (90, "Last 90 days"), (365, "Last 365 days")],
        coerce=int,
        initial=30,
        required=False,
    )


class InboxFilterForm(forms.Form):
    """The inbox's search and filters (GET). No status chosen means the open ones."""

    q = forms.CharField(
        required=False,
        max_length=200,
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, e-mail or company"}),
    )
    status = forms.MultipleChoiceField(
        required=False,
        choices=LeadStatus.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: the open ones (MQL, accepted, resubmitted).",
    )
    integration = forms.ModelChoiceField(
        required=False, queryset=Integration.objects.order_by("name"), empty_label="Any integration"
    )
    owner = forms.ChoiceField(required=False)
    age = forms.ChoiceField(required=False, choices=[("", "Any age"), *AGES], label="Received")
    after = forms.RegexField(required=False, regex=r"^\d{1,20}\.\d{1,18}$", widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Whose leads one may filter by: oneself, a manager's team, every salesperson for an admin.
        people = User.objects.for_user(user).filter(role__in=[Role.REP, Role.MANAGER], is_active=True)
        owners = [(str(p.pk), p.get_full_name() or p.username) for p in people.order_by("first_name", "last_name")]
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ChoiceField)
        owner.choices = [("", "Anyone"), (UNASSIGNED, "Unassigned (the queue)"), *owners]

    def statuses(self) -> list[str]:
        return self.cleaned_data.get("status") or list(OPEN_STATUSES)
