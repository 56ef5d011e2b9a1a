from decimal import Decimal
from typing import Any, cast

from django import forms

from accounts.models import Role, User
from leads.models import OPEN_STATUSES, Integration, Lead, LeadStatus, ReturnReason
from leads.selectors import handover_items, handover_sources
from pipeline.models import Deal, Product
from pipeline.services import owners_assignable_by

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
    product = forms.ModelChoiceField(
        queryset=Product.objects.active(), empty_label="Choose a product", help_text="From the product list."
    )
    expected_close_date = forms.DateField(
        label="Expected close date", widget=forms.DateInput(attrs={"type": "date"}), help_text="When it should close."
    )


class QualityFilterForm(forms.Form):
    days = forms.TypedChoiceField(
        choices=[(7, "Last 7 days"), (30, "Last 30 days"), (90, "Last 90 days"), (365, "Last 365 days")],
        coerce=int,
        initial=30,
        required=False,
    )


class HandoverForm(forms.Form):
    """A leaving rep's open deals and leads to a colleague: all of them, or those ticked."""

    ALL, SELECTED = "all", "selected"

    from_owner = forms.ModelChoiceField(queryset=User.objects.none(), label="Handing over", empty_label="Choose")
    new_owner = forms.ModelChoiceField(queryset=User.objects.none(), label="New owner", empty_label="Choose a person")
    scope = forms.ChoiceField(
        choices=[(ALL, "Every open deal and lead"), (SELECTED, "Only those ticked below")],
        initial=ALL,
        widget=forms.RadioSelect,
    )
    deals = forms.ModelMultipleChoiceField(queryset=Deal.objects.none(), required=False)
    leads = forms.ModelMultipleChoiceField(queryset=Lead.objects.none(), required=False)
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in every deal's and lead's history, e.g. “Alice left the company”.",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        cast(forms.ModelChoiceField, self.fields["from_owner"]).queryset = handover_sources(user)
        cast(forms.ModelChoiceField, self.fields["new_owner"]).queryset = owners_assignable_by(user)
        self.source = source = self._source()
        deals, leads = Deal.objects.none(), Lead.objects.none()
        if source is not None:
            deals, leads = handover_items(user, source)
        cast(forms.ModelMultipleChoiceField, self.fields["deals"]).queryset = deals
        cast(forms.ModelMultipleChoiceField, self.fields["leads"]).queryset = leads

    def _source(self) -> User | None:
        value = self.data.get("from_owner") if self.is_bound else self.initial.get("from_owner")
        try:
            return handover_sources(self.user).filter(pk=int(value)).first() if value else None
        except (TypeError, ValueError):
            return None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        source, target = data.get("from_owner"), data.get("new_owner")
        if source and target and source == target:
            self.add_error("new_owner", "Choose someone other than the person handing over.")
        if data.get("scope") == self.SELECTED and not data.get("deals") and not data.get("leads"):
            self.add_error("scope", "Tick at least one deal or lead, or hand over all of them.")
        return data

    def chosen(self) -> tuple[Any, Any]:
        """The deals and leads to hand over (querysets), from cleaned data."""
        data = self.cleaned_data
        deals, leads = handover_items(self.user, data["from_owner"])
        if data["scope"] == self.SELECTED:
            return deals.filter(pk__in=[d.pk for d in data["deals"]]), leads.filter(
                pk__in=[x.pk for x in data["leads"]]
            )
        return deals, leads


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
