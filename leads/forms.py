from decimal import Decimal

from django import forms

from leads.models import ReturnReason
from pipeline.models import Product


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
