"""Publishing a new version in one step, from the asset's admin page and from its portal page:
suggested numbers, a preview of the file before publishing, draft or publish, and "publish and
notify", which posts a training update to the chosen audience."""

import pytest
from django.urls import reverse

from accounts.models import Role
from collateral.models import AssetVersion, VersionStatus
from tests.accounts.factories import TeamFactory, UserFactory
from tests.collateral.factories import docx_bytes, pdf_bytes, png_bytes, published_asset, upload
from training.models import Update

pytestmark = pytest.mark.django_db


@pytest.fixture
def asset(admin):
    return published_asset(by=admin, version="2.1.0", title="Acme story", audiences=["CTO"])


@pytest.fixture
def admin_client(client, admin, media_root):
    client.force_login(admin)
    return client


def admin_url(asset) -> str:
    return reverse("admin:collateral_asset_publish", args=[asset.pk])


def portal_url(asset) -> str:
    return reverse("collateral:publish", args=[asset.asset_id])


URLS = [pytest.param(admin_url, id="admin"), pytest.param(portal_url, id="portal")]


def test_the_admin_page_links_to_publish_and_the_portal_page_carries_the_form(admin_client, asset):
    change = admin_client.get(reverse("admin:collateral_asset_change", args=[asset.pk])).content.decode()
    assert f'href="{admin_url(asset)}"' in change
    page = admin_client.get(asset.get_absolute_url()).content.decode()
    assert f'action="{portal_url(asset)}"' in page
    assert "Publish and notify" in page


def test_reps_see_no_publish_form_and_may_not_publish(client, rep, asset):
    client.force_login(rep)
    assert "Publish a new version" not in client.get(asset.get_absolute_url()).content.decode()
    response = client.post(portal_url(asset), {"version": "2.2.0", "external_url": "https://x.example/a.pdf"})
    assert response.status_code == 403
    assert asset.versions.count() == 1


@pytest.mark.parametrize("url", URLS)
def test_it_suggests_the_next_patch_minor_and_major(admin_client, asset, url):
    html = admin_client.get(url(asset)).content.decode()
    assert 'value="2.2.0"' in html  # the next minor, filled in
    for suggestion in ["2.1.1", "2.2.0", "3.0.0"]:
        assert f'<option value="{suggestion}">' in html


@pytest.mark.parametrize("url", URLS)
def test_it_publishes_a_new_version_with_a_file_in_one_step(admin_client, asset, url):
    response = admin_client.post(
        url(asset),
        {
            "version": "2.2.0",
            "file": upload("story.pdf", pdf_bytes()),
            "changelog": "New figures.",
            "action": "publish",
        },
    )
    assert response.status_code == 302
    asset.refresh_from_db()
    assert asset.current_version.version == "2.2.0"
    assert asset.current_version.file_extension == "pdf"
    assert asset.current_version.changelog == "New figures."
    page = admin_client.get(response.url).content.decode()
    assert f"Published {asset.asset_id} v2.2.0" in page
    assert "reps see it now" in page
    assert not Update.objects.exists()


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize(
    ("name", "content", "shown"),
    [
        ("story.pdf", pdf_bytes(), '<iframe class="file-preview-frame"'),
        ("cover.png", png_bytes(), '<img class="file-preview"'),
        ("brief.docx", docx_bytes(), ".docx</a>, "),
    ],
)
def test_preview_shows_the_file_before_it_is_published(admin_client, asset, url, name, content, shown):
    response = admin_client.post(url(asset), {"version": "2.2.0", "file": upload(name, content), "action": "preview"})
    assert response.status_code == 302
    draft = asset.versions.get(version="2.2.0")
    assert draft.status == VersionStatus.DRAFT
    asset.refresh_from_db()
    assert asset.current_version.version == "2.1.0"  # reps still get the old one
    page = admin_client.get(response.url)
    html = page.content.decode()
    assert shown in html
    assert f"{draft.file_size} bytes" in html or "bytes" in html or "KB" in html
    # The previewed file opens inline, framed by this origin only.
    inline = admin_client.get(reverse("collateral:download", args=[asset.asset_id, "2.2.0"]) + "?inline=1")
    assert inline.status_code == 200
    if name != "brief.docx":
        assert inline["Content-Disposition"].startswith("inline")
        assert inline["X-Frame-Options"] == "SAMEORIGIN"
    # ... and the preview page publishes that very draft.
    published = admin_client.post(page.wsgi_request.get_full_path(), {"draft": "2.2.0", "action": "publish"})
    assert published.status_code == 302
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED
    assert asset.versions.count() == 2


@pytest.mark.parametrize("url", URLS)
def test_save_as_draft_says_so(admin_client, asset, url):
    response = admin_client.post(
        url(asset), {"version": "2.2.0", "external_url": "https://cdn.example.com/v2.pdf", "action": "draft"}
    )
    assert response.status_code == 302
    assert asset.versions.get(version="2.2.0").status == VersionStatus.DRAFT
    html = admin_client.get(response.url).content.decode()
    assert "as a draft: reps do not see it until you publish it" in html


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("version", ["2.1.0", "2.0.9", "1.9.0"])
def test_a_version_not_higher_than_the_current_one_is_refused_with_a_message(admin_client, asset, url, version):
    response = admin_client.post(
        url(asset), {"version": version, "external_url": "https://cdn.example.com/old.pdf", "action": "publish"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f"Version {version}" in html
    assert "2.1.1, 2.2.0 or 3.0.0" in html or "exists already" in html
    assert asset.versions.count() == 1


@pytest.mark.parametrize("url", URLS)
def test_each_mistake_is_named_and_nothing_is_stored(admin_client, asset, url):
    response = admin_client.post(url(asset), {"version": "two", "action": "publish"})
    assert response.status_code == 400
    errors = response.context["release_form"].errors
    assert "semantic version" in errors["version"][0]
    assert "either a file or a URL" in errors["file"][0]
    assert asset.versions.count() == 1


@pytest.mark.parametrize("url", URLS)
def test_publish_and_notify_posts_an_update_to_the_chosen_audience(admin_client, asset, url, rep, other_rep):
    response = admin_client.post(
        url(asset),
        {
            "version": "3.0.0",
            "external_url": "https://cdn.example.com/v3.pdf",
            "changelog": "Rewritten for 2027.",
            "audience_role": Role.REP,
            "audience_teams": [rep.team.pk],
            "requires_acknowledgement": "on",
            "action": "notify",
        },
    )
    assert response.status_code == 302
    update = Update.objects.get()
    assert update.audience_role == Role.REP
    assert list(update.audience_teams.all()) == [rep.team]
    assert update.requires_acknowledgement
    assert "3.0.0" in update.title and "Rewritten for 2027." in update.body and "CTO" in update.body
    assert asset.get_permalink() in update.body
    # The reps of that team get it, now; another team's reps do not.
    assert list(Update.objects.for_user(rep)) == [update]
    assert not Update.objects.for_user(other_rep).exists()
    html = admin_client.get(response.url).content.decode()
    assert "An update about it went to" in html


def test_notify_with_every_role_and_team_reaches_everyone(admin_client, asset, rep, other_rep, manager):
    admin_client.post(
        portal_url(asset),
        {"version": "2.1.1", "external_url": "https://cdn.example.com/p.pdf", "audience_role": "", "action": "notify"},
    )
    update = Update.objects.get()
    for person in (rep, other_rep, manager):
        assert update in Update.objects.for_user(person)


def test_a_refused_publish_posts_no_update(admin_client, asset):
    AssetVersion.objects.filter(asset=asset).update(version="9.0.0", major=9)
    asset.refresh_from_db()
    response = admin_client.post(
        portal_url(asset),
        {"version": "3.0.0", "external_url": "https://cdn.example.com/v3.pdf", "action": "notify"},
    )
    assert response.status_code == 400
    assert not Update.objects.exists()
    assert asset.versions.count() == 1


def test_another_persona_sees_drafts_only_as_admin(client, asset, admin_client):
    admin_client.post(
        portal_url(asset), {"version": "2.2.0", "external_url": "https://x.example/d.pdf", "action": "draft"}
    )
    client.force_login(UserFactory(role=Role.REP, team=TeamFactory()))
    assert client.get(reverse("collateral:version", args=[asset.asset_id, "2.2.0"])).status_code == 404
