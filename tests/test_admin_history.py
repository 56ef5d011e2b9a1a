"""History you can read: any two revisions of assets, versions, modules and programs compared
field by field with text diffs (django-reversion-compare), and a revert that starts from the diff."""

import re

import pytest
from django.urls import reverse
from reversion.models import Version

from collateral.models import Asset
from tests.collateral.factories import published_asset
from tests.training.factories import ProgramFactory
from training.models import Module, Program

pytestmark = pytest.mark.django_db


def inserted(word: str, html: str) -> bool:
    return re.search(rf"<ins>[^<]*{word}[^<]*</ins>", html) is not None


def deleted(word: str, html: str) -> bool:
    return re.search(rf"<del>[^<]*{word}[^<]*</del>", html) is not None


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def post_data(response) -> dict:
    """What the admin change page in `response` would post unchanged: its form and every inline
    formset (with the nested ones of django-nested-admin)."""
    data: dict = {}

    def add_form(form) -> None:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            if isinstance(value, list | tuple):
                data[form.add_prefix(name)] = [str(v) for v in value]
            elif value is True:
                data[form.add_prefix(name)] = "on"
            else:
                data[form.add_prefix(name)] = str(value)

    def add_formset(formset) -> None:
        data.update({f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()})
        for form in formset.forms:
            add_form(form)
            for nested in getattr(form, "nested_formsets", []):
                add_formset(nested)

    add_form(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add_formset(inline.formset)
    return data


def edit(client, model, obj, **changes):
    info = model._meta.app_label, model._meta.model_name
    url = reverse(f"admin:{info[0]}_{info[1]}_change", args=[obj.pk])
    data = post_data(client.get(url)) | changes
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]


def compare(client, model, obj):
    info = model._meta.app_label, model._meta.model_name
    history = client.get(reverse(f"admin:{info[0]}_{info[1]}_history", args=[obj.pk]))
    assert history.status_code == 200
    assert 'name="version_id1"' in history.content.decode()
    versions = list(Version.objects.get_for_object(obj).order_by("pk"))
    url = reverse(f"admin:{info[0]}_{info[1]}_compare", args=[obj.pk])
    return client.get(url, {"version_id1": versions[0].pk, "version_id2": versions[-1].pk})


def test_a_module_compare_shows_the_title_and_markdown_body_as_diffs_and_reverts_from_it(admin_client):
    module = Module.objects.create(
        title="Discovery calls", summary="Ask first.", body="## Why now\n\nAsk *why now*.", estimated_minutes=5
    )
    edit(admin_client, Module, module)
    edit(admin_client, Module, module, title="Great discovery calls", body="## Why now\n\nAsk *why now* today.")
    response = compare(admin_client, Module, module)
    html = response.content.decode()
    assert response.status_code == 200
    assert inserted("Great", html)
    assert inserted("today", html)
    assert "updated at" not in html  # noise left out
    # Revert starts from the diff: the compare page links to the revert page of the older revision.
    revert_url = re.search(r'href="([^"]+/history/\d+/)"', html).group(1)
    revert = admin_client.get(revert_url)
    page = revert.content.decode()
    assert "What reverting changes" in page
    assert deleted("Great", page) and deleted("today", page)
    response = admin_client.post(revert_url, post_data(revert))
    assert response.status_code == 302
    module.refresh_from_db()
    assert (module.title, module.body) == ("Discovery calls", "## Why now\n\nAsk *why now*.")


def test_an_asset_compare_shows_a_changed_title_and_reverts(admin_client, admin):
    asset = published_asset(by=admin, title="Acme story")
    edit(admin_client, Asset, asset, title="Acme story")
    edit(admin_client, Asset, asset, title="Acme success story", description="Now with numbers.")
    html = compare(admin_client, Asset, asset).content.decode()
    assert inserted("success", html)
    assert "Now with numbers." in html
    versions = Version.objects.get_for_object(asset).order_by("pk")
    revert_url = reverse("admin:collateral_asset_revision", args=[asset.pk, versions[1].pk])
    revert = admin_client.get(revert_url)
    assert deleted("success", revert.content.decode())
    assert admin_client.post(revert_url, post_data(revert)).status_code == 302
    asset.refresh_from_db()
    assert asset.title == "Acme story"
    assert asset.current_version.version == "1.0.0"


def test_a_version_and_a_program_have_a_compare_view(admin_client, admin):
    asset = published_asset(by=admin)
    version = asset.current_version
    from collateral.models import AssetVersion

    edit(admin_client, AssetVersion, version, changelog="First cut.")
    edit(admin_client, AssetVersion, version, changelog="First cut, proofread.")
    assert inserted("proofread", compare(admin_client, AssetVersion, version).content.decode())
    program = ProgramFactory(name="Onboarding")
    edit(admin_client, Program, program, description="Week one.")
    edit(admin_client, Program, program, description="Week one and two.")
    assert inserted("two", compare(admin_client, Program, program).content.decode())


def test_compare_needs_the_right_to_see_the_object_and_revert_the_right_to_change_it(client, marketing, admin):
    """Marketing ops may look at assets (and so at their history), but not at modules, and may revert nothing."""
    asset = published_asset(by=admin)
    module = Module.objects.create(title="Objections", summary="s", body="b", estimated_minutes=3)
    client.force_login(admin)
    edit(client, Module, module)
    edit(client, Module, module, title="Objection handling")
    client.force_login(marketing)
    versions = Version.objects.get_for_object(module)
    url = reverse("admin:training_module_compare", args=[module.pk])
    response = client.get(url, {"version_id1": versions.last().pk, "version_id2": versions.first().pk})
    assert response.status_code == 403
    asset_versions = Version.objects.get_for_object(asset)
    url = reverse("admin:collateral_asset_compare", args=[asset.pk])
    assert (
        client.get(url, {"version_id1": asset_versions.last().pk, "version_id2": asset_versions.first().pk}).status_code
        == 200
    )
    revert = reverse("admin:collateral_asset_revision", args=[asset.pk, asset_versions.last().pk])
    assert client.get(revert).status_code == 403
