"""The asset list in admin: status column and filter, bulk archive, review-by and relabel, CSV export."""

import csv
import io
from datetime import date

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from reversion.models import Version

from collateral.models import Asset, VersionStatus
from tests.collateral.factories import AssetFactory, draft_version, published_asset

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:collateral_asset_changelist")
EXPORT = reverse("admin:collateral_asset_export")


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def library(admin):
    live = published_asset(by=admin, title="Live story", tags=["fintech"], audiences=["CTO"])
    old = published_asset(by=admin, title="Old story", tags=["fintech", "retail"])
    old.archived_at = old.created_at
    old.save()
    draft = AssetFactory(title="Draft story")
    draft_version(draft, "0.1.0")
    return live, old, draft


def act(client, action: str, assets, **data):
    return client.post(
        CHANGELIST, {"action": action, ACTION_CHECKBOX_NAME: [a.pk for a in assets], **data}, follow=True
    )


def test_the_list_shows_and_filters_by_status(admin_client, library):
    html = admin_client.get(CHANGELIST).content.decode()
    for label in ["Published", "Archived", "Draft (no published version)"]:
        assert label in html
    for status, title in [("published", "Live story"), ("archived", "Old story"), ("draft", "Draft story")]:
        page = admin_client.get(CHANGELIST, {"status": status}).content.decode()
        assert title in page
        assert sum(t in page for t in ["Live story", "Old story", "Draft story"]) == 1


def test_bulk_archive(admin_client, library):
    live, _, draft = library
    act(admin_client, "archive", [live, draft])
    assert Asset.objects.filter(archived_at__isnull=False).count() == 3


def test_bulk_set_review_by_asks_for_the_date_then_sets_it(admin_client, library):
    live, old, draft = library
    page = act(admin_client, "set_review_by", [live, old])
    assert "Apply to 2 asset(s)" in page.content.decode()
    assert Asset.objects.filter(review_by__isnull=False).count() == 0
    done = act(admin_client, "set_review_by", [live, old], apply="1", review_by="2027-01-31")
    assert "Set the review-by date of 2 asset(s) to 2027-01-31." in done.content.decode()
    assert set(Asset.objects.filter(review_by=date(2027, 1, 31))) == {live, old}
    assert Asset.objects.get(pk=draft.pk).review_by is None
    # One revision for the lot, with its comment.
    assert Version.objects.get_for_object(live).first().revision.comment == "Review by set to 2027-01-31"


def test_a_bad_review_date_is_named_and_changes_nothing(admin_client, library):
    live, _, _ = library
    page = act(admin_client, "set_review_by", [live], apply="1", review_by="31/31/2027")
    assert "Enter a valid date." in page.content.decode()
    assert not Asset.objects.filter(review_by__isnull=False).exists()


def test_bulk_add_and_remove_tags_and_audiences(admin_client, library):
    live, old, _ = library
    done = act(
        admin_client,
        "relabel",
        [live, old],
        apply="1",
        add_tags="competitor_x, healthcare",
        remove_tags="retail",
        add_audiences="VP of Engineering",
        remove_audiences="CTO",
    )
    assert "Changed the tags and audiences of 2 asset(s)." in done.content.decode()
    for asset in (live, old):
        asset.refresh_from_db()
        assert sorted(asset.tags.names()) == ["competitor_x", "fintech", "healthcare"]
        assert [a.name for a in asset.audiences.all()] == ["VP of Engineering"]
        # What search and facets read follows.
        assert "healthcare" in asset.search_text and "retail" not in asset.search_text


def test_relabel_with_nothing_to_do_says_so(admin_client, library):
    live, _, _ = library
    page = act(admin_client, "relabel", [live], apply="1")
    assert "Name at least one tag or audience to add or remove." in page.content.decode()


def test_the_csv_export_follows_the_filters(admin_client, library):
    html = admin_client.get(CHANGELIST, {"status": "published"}).content.decode()
    assert f'href="{EXPORT}?status=published"' in html
    response = admin_client.get(EXPORT, {"status": "published"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["asset id", "title", "type", "status"]
    assert [row[1] for row in rows[1:]] == ["Live story"]
    assert rows[1][3:5] == ["published", "1.0.0"] and rows[1][-2:] == ["fintech", "CTO"]
    everything = list(csv.reader(io.StringIO(admin_client.get(EXPORT).content.decode())))
    assert len(everything) == 4


def test_the_export_is_for_those_who_may_see_assets(client, rep, library):
    client.force_login(rep)
    assert client.get(EXPORT).status_code in {302, 403}


def test_a_version_saved_in_admin_says_it_is_a_draft(admin_client, library):
    live, _, _ = library
    response = admin_client.post(
        reverse("admin:collateral_assetversion_add"),
        {"asset": live.pk, "version": "1.1.0", "external_url": "https://cdn.example.com/n.pdf", "changelog": ""},
        follow=True,
    )
    assert live.versions.get(version="1.1.0").status == VersionStatus.DRAFT
    assert f"{live.asset_id} v1.1.0 is a draft: reps do not see it." in response.content.decode()
