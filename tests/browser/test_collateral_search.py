"""Collateral search in a real browser: chips, highlighted matches, clear all; results first on a phone."""

import re

import pytest
from playwright.sync_api import expect

from collateral.services import asset_create, asset_publish_version
from tests.accounts.factories import PASSWORD
from tests.browser.conftest import log_in
from tests.collateral.factories import AssetVersionFactory


def publish(admin, **fields):
    asset = asset_create(by=admin, **fields)
    asset_publish_version(version=AssetVersionFactory(asset=asset, version="1.0.0"), by=admin)
    return asset


@pytest.fixture
def library(transactional_db, admin):
    publish(admin, asset_id="CS-0001", type="CaseStudy", title="Mercy Hospital secures patient data",
            description="How a hospital network passed its security audit.", tags=["healthcare", "security_compliance"],
            audiences=["CISO"])  # fmt: skip
    publish(admin, asset_id="WP-0001", type="Whitepaper", title="Healthcare data privacy in the cloud",
            description="Encryption and consent.", tags=["healthcare"], audiences=["CTO"])  # fmt: skip
    publish(admin, asset_id="CS-0002", type="CaseStudy", title="Umbrella Retail lowers costs",
            description="A retailer reduced its security spend.", tags=["retail"], audiences=["CFO"])  # fmt: skip
    for n in range(12):
        publish(admin, asset_id=f"OP-{n + 1:04d}", type="OnePager", title=f"Product sheet {n}", tags=["retail"])


def test_a_rep_searches_in_plain_words_removes_a_chip_and_clears_all(page, library, rep):
    log_in(page, rep.username, PASSWORD)
    page.goto("/collateral/")
    page.get_by_role("searchbox", name="Search collateral").fill("healthcare security case study")
    page.get_by_role("button", name="Search").click()

    first = page.locator(".asset-card").first
    expect(first.get_by_role("heading")).to_have_text("Mercy Hospital secures patient data")
    # The words matched, whatever their form: "security" marks "secures" and "security".
    expect(first.locator("h3 mark")).to_have_text(["secures"])
    expect(first.locator("p mark")).to_have_text(["security"])
    chips = page.get_by_role("list", name="Active filters")
    expect(chips).to_contain_text("Case study")
    expect(chips).to_contain_text("healthcare")

    # Removing the type chip searches again without its words: the whitepaper comes back.
    page.get_by_role("link", name="Remove Case study").click()
    expect(page).to_have_url(re.compile(r"q=healthcare\+security$"))
    expect(page.get_by_role("searchbox", name="Search collateral")).to_have_value("healthcare security")
    expect(page.get_by_role("link", name="Healthcare data privacy in the cloud")).to_be_visible()
    expect(page.get_by_role("list", name="Active filters")).not_to_contain_text("Case study")

    page.get_by_role("link", name="Clear all").click()
    expect(page.get_by_role("searchbox", name="Search collateral")).to_have_value("security")
    expect(page.get_by_role("list", name="Active filters")).to_have_count(0)
    expect(page.locator(".result-count")).to_contain_text("for “security”")


def test_on_a_phone_the_results_come_first_and_the_filters_fold_away(browser, live_server, library, rep):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, rep.username, PASSWORD)
    page.goto("/collateral/")
    filters = page.locator("details.facets")
    expect(filters).not_to_have_attribute("open", "")
    first = page.locator(".asset-card").first.bounding_box()
    assert first is not None and first["y"] < 844, first
    # The filters open on demand and still filter.
    page.get_by_text("Filters", exact=True).click()
    page.get_by_role("link", name=re.compile(r"^healthcare \(2\)")).click()
    expect(page.locator(".result-count")).to_contain_text("2 assets")
    context.close()
