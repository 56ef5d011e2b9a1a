import pytest
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD
from tests.browser.conftest import log_in


@pytest.fixture
def demo(transactional_db):
    from django.core.management import call_command

    call_command("load_demo")


def test_a_demo_rep_logs_in_and_sees_the_navigation(page, demo):
    log_in(page, "violet.mclelland", DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Welcome, Violet")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")
    expect(nav.get_by_role("link", name="My team")).to_have_count(0)


def test_a_demo_manager_opens_the_team_page(page, demo):
    log_in(page, "cara.losch", DEMO_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My team").click()
    expect(page.get_by_role("table")).to_contain_text("Violet")


def test_a_wrong_password_shows_an_error(page, demo):
    log_in(page, "violet.mclelland", "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    expect(page).to_have_url("/login/")


def test_the_layout_fits_a_phone(browser, live_server, demo):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 740})
    page = context.new_page()
    log_in(page, "cara.losch", DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Welcome, Cara")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()
