from typing import Any, cast

from django import forms

from accounts.models import User
from collateral.uploads import ALLOWED_EXTENSIONS, check_upload
from pipeline.models import Deal


class DealChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, deal: Deal) -> str:
        return f"{deal.name} · {deal.account.name} ({deal.get_stage_display()})"


class ShareToDealForm(forms.Form):
    deal = DealChoiceField(
        queryset=Deal.objects.none(),
        empty_label="Choose one of your open deals",
        error_messages={"invalid_choice": "Choose one of your open deals."},
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the open deals this user may see: another team's deal is not a choice.
        cast(forms.ModelChoiceField, self.fields["deal"]).queryset = (
            Deal.objects.for_user(user).open().select_related("account").order_by("name")
        )


class VersionFileField(forms.FileField):
    """A file field that runs the collateral upload checks, so admin forms refuse bad files."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", f"Allowed: {', '.join(ALLOWED_EXTENSIONS)}.")
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        value = super().clean(data, initial)
        if value and value is not initial and hasattr(value, "size"):
            try:
                check_upload(value)
            except forms.ValidationError as exc:
                raise forms.ValidationError(exc.message_dict["file"]) from None
        return value
