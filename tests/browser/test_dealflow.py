"""Everyday deal work in a browser: a blocked deal found at home and moved on, a leaving rep's book handed over."""

import pytest
from playwright.sync_api import expect

from leads.models import Lead
from pipeline.models import CriterionCheck, Deal, DealActivity, DealStageChange, Event, Stage
from tests.accounts.factories import PASSWORD
from tests.browser.conftest import log_in
from tests.leads.factories import LeadFactory
from tests.pipeline.factories import AccountFactory, DealFactory


@pytest.fixture
def blocked(transactional_db, rep):
    account = AccountFactory(name="Acme Corporation")
    return DealFactory(owner=rep, account=account, name="Blocked deal", stage=Stage.TECHNICAL_DEMO)


def test_a_rep_starts_at_home_opens_the_blocked_deal_ticks_the_missing_criteria_and_moves_it_on(page, blocked, rep):
    log_in(page, rep.username, PASSWORD)
    page.goto("/")
    card = page.locator('[data-card="deals-attention"]')
    item = card.get_by_role("listitem").filter(has_text="Blocked deal")
    expect(item).to_contain_text("blocked: 2 criteria missing")
    item.get_by_role("link", name="Blocked deal").click()
    expect(page).to_have_url(blocked.get_absolute_url())
    page.get_by_role("button", name="Proposal requested → Proposal").click()
    refusal = page.locator("#refusal")
    expect(refusal).to_contain_text("Blocked deal was not moved.")
    expect(refusal.locator(".missing-criteria > li > strong")).to_have_text(
        ["Key technical stakeholders attended.", "Proof of value established."]
    )
    for evidence in ("CTO and lead architect joined the demo", "POC signed off on 3 March"):
        item = refusal.locator(".missing-criteria > li").first
        item.get_by_label("Evidence").fill(evidence)
        item.get_by_role("button", name="Confirm").click()
        expect(page.locator("#deal-gate")).to_contain_text("Confirmed:")
    ready = page.locator("#refusal")
    expect(ready).to_contain_text("Every criterion is confirmed.")
    ready.get_by_role("button", name="Proposal requested → Proposal").click()
    expect(page.get_by_text("Moved to Proposal.")).to_be_visible()
    expect(page.locator(".deal-stage")).to_contain_text("Proposal")
    deal = Deal.objects.get(pk=blocked.pk)
    assert deal.stage == Stage.PROPOSAL
    assert CriterionCheck.objects.filter(deal=deal, checked_by=rep).count() == 2
    assert DealStageChange.objects.filter(deal=deal, event=Event.PROPOSAL_REQUESTED, by=rep).exists()
    # Done work leaves the queue: the Demo gate's item is gone from home.
    page.goto("/")
    expect(page.locator('[data-card="deals-attention"]')).not_to_contain_text("to move on to Proposal")


def test_a_manager_hands_a_leaving_reps_deals_and_leads_to_a_teammate(page, transactional_db, manager, rep, teammate):
    deals = [DealFactory(owner=rep, name=f"Book deal {n}") for n in range(3)]
    leads = [LeadFactory(owner=rep, team=rep.team) for _ in range(2)]
    log_in(page, manager.username, PASSWORD)
    page.goto("/team/")
    page.get_by_role("row", name=str(rep)).get_by_role("link", name="Hand over…").click()
    expect(page.locator("#handover-deal-count")).to_have_text("3")
    expect(page.locator("#handover-lead-count")).to_have_text("2")
    form = page.locator("#handover-form")
    form.get_by_label("New owner").select_option(label=str(teammate))
    form.get_by_label("Reason").fill(f"{rep} left the company")
    form.get_by_role("button", name="Hand over").click()
    expect(page.get_by_text("3 deals and 2 leads of")).to_be_visible()
    expect(page.locator("#handover-deal-count")).to_have_text("0")
    assert set(Deal.objects.filter(owner=teammate)) == set(deals)
    assert set(Lead.objects.filter(owner=teammate)) == set(leads)
    assert DealActivity.objects.filter(kind="reassigned", by=manager, from_owner=rep).count() == 3
