"""A manager works the deal board in a real browser: drag and drop, refusals, losing a deal."""

import pytest
from playwright.sync_api import expect

from pipeline.models import Deal, DealStageChange, Event, LostReason, Stage
from tests.accounts.factories import PASSWORD
from tests.browser.conftest import log_in
from tests.pipeline.factories import AccountFactory, DealFactory, check_all


@pytest.fixture
def deals(transactional_db, manager, rep):
    account = AccountFactory(name="Acme Corporation")
    ready = DealFactory(owner=rep, account=account, name="Ready deal", stage=Stage.PROPOSAL)
    check_all(ready)
    gated = DealFactory(owner=rep, account=account, name="Gated deal", stage=Stage.TECHNICAL_DEMO)
    doomed = DealFactory(owner=rep, account=account, name="Doomed deal", stage=Stage.DISCOVERY)
    return {"ready": ready, "gated": gated, "doomed": doomed}


def drag(page, card, column) -> None:
    """Press on the card, move to the column in steps (SortableJS follows the mouse), release."""
    box, target = card.bounding_box(), column.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 10)
    page.mouse.down()
    page.mouse.move(box["x"] + 40, box["y"] + 30, steps=5)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 30, steps=20)
    page.mouse.up()


def card(page, name: str):
    return page.locator(".deal-card", has_text=name)


def column(page, stage: str):
    return page.locator(f'ol.cards[data-stage="{stage}"]')


def test_a_manager_drags_a_ready_card_forward(page, deals, manager):
    log_in(page, manager.username, PASSWORD)
    # "Deals" opens the deal list; the board is one click away on it.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Deals").click()
    page.get_by_role("main").get_by_role("link", name="Board", exact=True).click()
    expect(card(page, "Ready deal")).to_be_visible()
    drag(page, card(page, "Ready deal"), column(page, Stage.CLOSING))
    expect(page.locator(".board-success")).to_contain_text("Ready deal moved to Closing")
    expect(column(page, Stage.CLOSING).locator(".deal-card", has_text="Ready deal")).to_be_visible()
    assert Deal.objects.get(pk=deals["ready"].pk).stage == Stage.CLOSING
    assert DealStageChange.objects.filter(deal=deals["ready"], event=Event.VERBAL_YES, by=manager).exists()


def test_a_card_with_unmet_criteria_snaps_back_and_says_what_is_missing(page, deals, manager):
    log_in(page, manager.username, PASSWORD)
    page.goto("/pipeline/board/")
    drag(page, card(page, "Gated deal"), column(page, Stage.PROPOSAL))
    alert = page.locator(".board-error")
    expect(alert).to_contain_text("Gated deal was not moved")
    expect(alert.locator(".missing-criteria li")).to_have_text(
        ["Key technical stakeholders attended.", "Proof of value established."]
    )
    expect(column(page, Stage.TECHNICAL_DEMO).locator(".deal-card", has_text="Gated deal")).to_be_visible()
    expect(column(page, Stage.PROPOSAL).locator(".deal-card", has_text="Gated deal")).to_have_count(0)
    assert Deal.objects.get(pk=deals["gated"].pk).stage == Stage.TECHNICAL_DEMO


def test_the_move_button_works_from_the_keyboard(page, deals, manager):
    log_in(page, manager.username, PASSWORD)
    page.goto("/pipeline/board/")
    button = card(page, "Ready deal").get_by_role("button", name="Verbal yes →")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".board-success")).to_contain_text("Ready deal moved to Closing")


def test_a_manager_marks_a_deal_lost_with_a_reason(page, deals, manager):
    log_in(page, manager.username, PASSWORD)
    page.goto("/pipeline/board/")
    card(page, "Doomed deal").get_by_role("link", name="Doomed deal").click()
    page.get_by_role("button", name="Mark as lost…").click()
    dialog = page.get_by_role("dialog", name="Mark Doomed deal as lost")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Mark as lost").click()
    # The browser asks for the required reason before anything is sent.
    assert Deal.objects.get(pk=deals["doomed"].pk).stage == Stage.DISCOVERY
    dialog.get_by_label("Why was it lost?").select_option(label="Timing")
    dialog.get_by_label("Note").fill("Budget moved to next year")
    dialog.get_by_role("button", name="Mark as lost").click()
    expect(page.get_by_text("Moved to Closed lost.")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("Deal lost")
    deal = Deal.objects.get(pk=deals["doomed"].pk)
    assert (deal.stage, deal.lost_at_stage, deal.lost_reason) == (
        Stage.CLOSED_LOST,
        Stage.DISCOVERY,
        LostReason.objects.get(name="Timing"),
    )
