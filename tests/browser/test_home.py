"""The home page and the navigation in Chromium: the phone menu, the search box, and the README's
screenshots of each role's home, the board, the collateral library and the dashboard."""

from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD
from tests.browser.conftest import log_in

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo")


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, errors


def test_at_phone_width_the_navigation_folds_into_a_menu_with_the_search(phone, demo):
    log_in(phone, "violet.mclelland", DEMO_PASSWORD)
    nav = phone.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Learning")).to_be_hidden()
    header = phone.locator("header.site-header").bounding_box()
    assert header is not None and header["height"] < 100, header
    # The page starts right under the one-line bar: the first card is on the first screen.
    first_card = phone.locator(".home-card").first.bounding_box()
    assert first_card is not None and first_card["y"] < PHONE["height"] / 2, first_card
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    nav.locator("summary", has_text="Menu").click()
    expect(nav.get_by_role("link", name="Learning")).to_be_visible()
    # The search box is in the menu: it finds the rep's own deal, grouped by kind.
    search = nav.get_by_role("searchbox")
    search.fill("Bubba")
    search.press("Enter")
    expect(phone).to_have_url("/search/?q=Bubba")
    deal = phone.locator("[data-group=deals]").get_by_role("link", name="Bubba Gump · GTX Plus Pro")
    deal.click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Bubba Gump · GTX Plus Pro")


# The README's pictures: (file, login, path, what must be drawn first).
PICTURES = [
    ("home-rep", "violet.mclelland", "/", ".home-card"),
    ("home-manager", "cara.losch", "/", ".home-card"),
    ("home-enablement-admin", "enablement", "/", ".home-card"),
    ("home-marketing-ops", "marketing", "/", ".home-card"),
    ("board", "cara.losch", "/pipeline/board/", "#board"),
    ("collateral-library", "violet.mclelland", "/collateral/", "main h1"),
    ("dashboard", "cara.losch", "/telemetry/?period=year", "canvas[data-chart]"),
]


def test_each_role_starts_at_home_and_the_readme_pictures_are_taken(browser, live_server, demo):
    """Every role's home lists work in cards; the pictures go to docs/screenshots/ at desktop width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, username, path, ready in PICTURES:
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        log_in(page, username, DEMO_PASSWORD)
        page.goto(path)
        expect(page.locator(ready).first).to_be_visible()
        if path == "/":
            expect(page.locator(".home-card h2").first).to_be_visible()
            assert page.locator(".home-card").count() >= 3, name
        # Let Chart.js finish its drawing animation before the picture.
        page.wait_for_timeout(600 if "dashboard" in name else 0)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=path == "/")
        context.close()
