import pytest
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD
from leads.models import Lead, LeadStatus
from tests.browser.conftest import log_in


@pytest.fixture
def demo(transactional_db):
    from django.core.management import call_command

    call_command("load_demo")


def violet():
    from accounts.models import User

    return User.objects.get(username="violet.mclelland")


def status_of(page):
    return page.locator("#lead-panel .lead-status")


def test_a_rep_accepts_returns_and_converts_and_marketing_sees_the_return(page, demo):
    log_in(page, "violet.mclelland", DEMO_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Leads").click()
    expect(page.get_by_role("heading", name="Leads", exact=True)).to_be_visible()
    expect(page.locator("#lead-count")).to_have_text(str(Lead.objects.open().for_user(violet()).count()))

    # Accept, with the keyboard: focus lands on the outcome.
    mql = Lead.objects.get(owner__username="violet.mclelland", status=LeadStatus.MQL)
    page.get_by_role("link", name=mql.full_name).first.click()
    page.get_by_role("button", name="Accept").focus()
    page.keyboard.press("Enter")
    expect(status_of(page)).to_have_text("Accepted (SQL)")
    expect(page.get_by_role("status")).to_be_focused()
    assert Lead.objects.get(pk=mql.pk).status == LeadStatus.ACCEPTED

    # Return one from the unassigned queue, with a reason.
    page.goto("/leads/")
    page.get_by_role("navigation", name="Lead views").get_by_role("link", name="Unassigned queue").click()
    page.locator("#lead-rows th a").first.click()
    returned_url = page.url
    page.get_by_label("Reason").select_option("not_a_fit")
    page.get_by_label("Note").fill("Ten-person shop, no budget this year.")
    page.get_by_role("button", name="Return to marketing").click()
    expect(status_of(page)).to_have_text("Returned to marketing")
    expect(page.locator("#lead-panel")).to_contain_text("Ten-person shop")
    returned = Lead.objects.get(pk=int(returned_url.rstrip("/").rsplit("/", 1)[1]))
    assert (returned.status, returned.owner.username) == (LeadStatus.RETURNED, "violet.mclelland")

    # Convert the accepted one to a deal.
    page.goto(f"/leads/{mql.pk}/")
    page.get_by_label("Amount").fill("25000")
    page.get_by_label("Product").select_option(label="GTX Pro")
    page.get_by_label("Expected close date").fill("2027-03-31")
    page.get_by_role("button", name="Convert to deal").click()
    expect(status_of(page)).to_have_text("Converted to a deal")
    expect(page.locator("#lead-panel")).to_contain_text("Lead in")
    assert Lead.objects.get(pk=mql.pk).deal.amount == 25000

    # Marketing's quality report counts the return under its reason.
    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="Log out").click()
    log_in(page, "marketing", DEMO_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Lead quality").click()
    page.get_by_label("Days").select_option("365")
    page.get_by_role("button", name="Show").click()
    returns = page.get_by_role("region", name="Returned by sales")
    count = Lead.objects.filter(return_reason="not_a_fit").count()
    expect(returns.get_by_role("row", name="Not a fit (industry, size, budget)")).to_contain_text(str(count))
