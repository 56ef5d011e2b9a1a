from typing import Any, cast

from django import forms
from django.db import models

from accounts.models import Role, Team, User
from collateral.models import Asset, AssetVersion, parse_semver, validate_semver
from collateral.selectors import version_suggestions
from collateral.signals import Announcement
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


class ReleaseAction(models.TextChoices):
    PREVIEW = "preview", "Preview"
    DRAFT = "draft", "Save as draft"
    PUBLISH = "publish", "Publish now"
    NOTIFY = "notify", "Publish and notify"


class ReleaseForm(forms.Form):
    """A new version of an asset in one form: number, file or URL, changelog, and what to do with
    it (preview, save as draft, publish, publish and post an update). Given a `draft` (a version
    saved for preview), only what to do with it is asked."""

    version = forms.CharField(max_length=32, validators=[validate_semver], help_text="MAJOR.MINOR.PATCH")
    file = VersionFileField(required=False)
    external_url = forms.URLField(label="or a URL", max_length=500, required=False, assume_scheme="https")
    changelog = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="What changed.")
    audience_role = forms.ChoiceField(
        label="Notify",
        choices=[("", "Every role"), *Role.choices],
        initial=Role.REP,
        required=False,
        help_text="Publish and notify: who the update is for.",
    )
    audience_teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.order_by("name"), required=False, help_text="None chosen: every team."
    )
    requires_acknowledgement = forms.BooleanField(required=False, label="Ask them to acknowledge it")
    action = forms.ChoiceField(choices=ReleaseAction.choices, widget=forms.HiddenInput, initial=ReleaseAction.PUBLISH)

    def __init__(self, *args: Any, asset: Asset, draft: AssetVersion | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.asset = asset
        self.draft = draft
        self.suggestions = version_suggestions(asset)
        current = asset.current_version
        self.fields["version"].initial = self.suggestions["minor"]
        self.fields["version"].widget.attrs["list"] = "version-suggestions"
        self.fields["version"].help_text = (
            f"Current: {current.version}. " if current else "No published version yet. "
        ) + "Next patch {patch}, minor {minor}, major {major}.".format(**self.suggestions)
        if draft is not None:
            for name in ("version", "file", "external_url", "changelog"):
                del self.fields[name]

    def clean_version(self) -> str:
        version = self.cleaned_data["version"]
        if self.asset.versions.filter(version=version).exists():
            raise forms.ValidationError(
                f"Version {version} exists already: the next minor is {self.suggestions['minor']}."
            )
        current = self.asset.current_version
        if current is not None and parse_semver(version) <= current.semver:
            raise forms.ValidationError(
                f"Version {version} is not higher than the current version {current.version}: "
                f"use {self.suggestions['patch']}, {self.suggestions['minor']} or {self.suggestions['major']}."
            )
        return version

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        checkable = self.draft is None and "file" not in self.errors and "external_url" not in self.errors
        if checkable and bool(data.get("file")) == bool(data.get("external_url")):
            self.add_error("file", "Give either a file or a URL, not both and not neither.")
        if self.draft is not None and data.get("action") == ReleaseAction.PREVIEW:
            self.add_error(None, "This draft is already shown below.")
        return data

    @property
    def publishes(self) -> bool:
        return self.cleaned_data["action"] in {ReleaseAction.PUBLISH, ReleaseAction.NOTIFY}

    def announcement(self) -> Announcement | None:
        if self.cleaned_data["action"] != ReleaseAction.NOTIFY:
            return None
        return Announcement(
            audience_role=self.cleaned_data["audience_role"],
            team_ids=tuple(team.pk for team in self.cleaned_data["audience_teams"]),
            requires_acknowledgement=self.cleaned_data["requires_acknowledgement"],
        )
