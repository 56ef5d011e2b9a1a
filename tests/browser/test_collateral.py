"""Collateral in a real browser: the rep's search-to-share flow, and admin history (revert, recover)."""

import re

import pytest
from playwright.sync_api import expect

from collateral.models import Asset, AssetUsage, AssetVersion, UsageKind
from collateral.services import asset_add_version, asset_create, asset_publish_version
from tests.accounts.factories import PASSWORD
from tests.browser.conftest import log_in
from tests.collateral.factories import DealFactory, pdf_bytes, published_asset, upload


@pytest.fixture
def library(transactional_db, admin):
    asset = asset_create(
        by=admin,
        asset_id="CS-0042",
        type="CaseStudy",
        title="How Acme Corp Increased API Performance by 300%",
        tags=["api_performance", "fintech", "scalability", "competitor_x"],
        audiences=["CTO", "VP of Engineering"],
    )
    version = asset_add_version(asset=asset, by=admin, version="2.1.0", file=upload("acme.pdf", pdf_bytes()))
    asset_publish_version(version=version, by=admin)
    published_asset(by=admin, asset_id="OP-0001", type="OnePager", title="Retail API one-pager", tags=["retail"])
    published_asset(by=admin, asset_id="BC-0001", type="Battlecard", title="Winning against Competitor Y")
    return Asset.objects.get(asset_id="CS-0042")


def test_a_rep_searches_filters_opens_downloads_and_shares_to_a_deal(page, library, rep):
    deal = DealFactory(owner=rep, name="Globex expansion")
    log_in(page, rep.username, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Collateral").click()
    expect(page.get_by_role("status").first).to_contain_text("3 assets")

    # Live search: results change as the rep types, without submitting.
    page.get_by_role("searchbox", name="Search collateral").press_sequentially("api", delay=30)
    expect(page.locator(".result-count")).to_contain_text("2 assets for “api”")
    expect(page).to_have_url(re.compile(r"/collateral/\?q=api"))

    # A facet narrows the results and keeps the query.
    page.get_by_role("link", name="fintech (1)").click()
    expect(page.locator(".result-count")).to_contain_text("1 asset for “api”")
    expect(page.get_by_role("link", name="Retail API one-pager")).to_have_count(0)

    page.get_by_role("link", name="How Acme Corp Increased API Performance by 300%").click()
    expect(page.get_by_role("heading", name="Version 2.1.0")).to_be_visible()
    expect(page.get_by_role("textbox", name="Permalink")).to_have_value(
        f"{page.url.split('/collateral')[0]}/c/CS-0042/"
    )

    page.get_by_role("button", name="Copy permalink").click()
    # Headless Chromium may deny the clipboard; then the permalink is selected for Ctrl+C instead.
    expect(page.locator(".copy-status")).to_have_text(re.compile(r"Permalink copied\.|Press Ctrl\+C"))

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the latest version").click()
    assert download.value.suggested_filename == "CS-0042-v2.1.0.pdf"

    page.get_by_label("Deal:").select_option(label=f"Globex expansion · {deal.account.name} (Lead in)")
    page.get_by_role("button", name="Share version 2.1.0 to this deal").click()
    expect(page.get_by_role("status").first).to_contain_text("Shared CS-0042 v2.1.0 on Globex expansion")

    kinds = set(AssetUsage.objects.filter(asset=library, user=rep).values_list("kind", flat=True))
    assert kinds == {UsageKind.VIEW, UsageKind.DOWNLOAD, UsageKind.SHARE}
    assert AssetUsage.objects.get(kind=UsageKind.SHARE).deal == deal


@pytest.fixture
def admin_role_permissions(transactional_db, admin):
    """The role grants of the data migrations, again: a transactional test's flush removed them."""
    from importlib import import_module

    from django.contrib.auth.models import Group, Permission

    from accounts.roles import role_group_name

    group, _ = Group.objects.get_or_create(name=role_group_name("enablement_admin"))
    for module in ["accounts.migrations.0002_role_groups", "collateral.migrations.0003_role_permissions"]:
        for name in import_module(module).GRANTS["enablement_admin"]:
            app_label, codename = name.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    admin.groups.add(group)


def test_an_admin_reverts_an_edit_and_recovers_a_deleted_asset(page, library, admin, admin_role_permissions):
    # Django admin pages do not link the portal's favicon, so the browser asks for /favicon.ico (a 404).
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    log_in(page, admin.username, PASSWORD)
    page.goto(f"/admin/collateral/asset/{library.pk}/change/")
    page.get_by_label("Title:").fill("A title nobody wanted")
    page.get_by_role("button", name="Save", exact=True).click()
    assert Asset.objects.get(pk=library.pk).title == "A title nobody wanted"

    # History lists the revisions, oldest first: go back to the one before the edit.
    page.goto(f"/admin/collateral/asset/{library.pk}/history/")
    page.get_by_role("row", name=re.compile("Published version 2.1.0")).get_by_role("link").click()
    expect(page.get_by_label("Title:")).to_have_value(library.title)
    page.get_by_role("button", name="Save", exact=True).click()
    assert Asset.objects.get(pk=library.pk).title == library.title

    page.goto(f"/admin/collateral/asset/{library.pk}/delete/")
    page.get_by_role("button", name="Yes, I\u2019m sure").click()
    assert not Asset.objects.filter(asset_id="CS-0042").exists()
    assert not AssetVersion.objects.filter(asset_id=library.pk).exists()

    page.goto("/admin/collateral/asset/recover/")
    page.get_by_role("row", name=re.compile("CS-0042")).get_by_role("link").click()
    page.get_by_role("button", name="Save", exact=True).click()

    recovered = Asset.objects.get(asset_id="CS-0042")
    assert recovered.title == library.title
    assert list(recovered.versions.values_list("version", flat=True)) == ["2.1.0"]
    assert recovered.current_version.version == "2.1.0"
    assert set(recovered.tags.names()) == {"api_performance", "fintech", "scalability", "competitor_x"}
    assert Asset.objects.visible().filter(pk=recovered.pk).exists()
