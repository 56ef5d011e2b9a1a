"""The home page as a work queue, per role: exactly the items of a fixture, leaving once done,
and a query count that does not grow with the number of items."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.home import HOME_ITEMS
from collateral.models import AssetUsage, UsageKind
from leads.models import LeadRejection, LeadStatus
from pipeline.models import Quota, Stage, StageSetting
from telemetry.models import RunStatus, TelemetryRun
from tests.accounts.factories import UserFactory
from tests.collateral.factories import published_asset
from tests.leads.factories import IntegrationFactory, LeadFactory
from tests.pipeline.factories import DealFactory, check_all
from tests.training.factories import CallReviewFactory, ModuleFactory, ProgramFactory, QuizFactory, UpdateFactory
from training.models import Enrollment, ModuleProgress, ProgramModule
from training.services import update_acknowledge

HOME = reverse("accounts:home")


def cards(client, user) -> dict:
    client.force_login(user)
    response = client.get(HOME)
    assert response.status_code == 200
    return {card.key: card for card in response.context["cards"]}


def labels(card) -> list[str]:
    return [item.label for item in card.items]


def rotting_deal(owner, name: str):
    days = StageSetting.objects.get(stage=Stage.DISCOVERY).rotting_after_days + 2
    deal = DealFactory(
        owner=owner, name=name, stage=Stage.DISCOVERY, stage_entered_at=timezone.now() - timedelta(days=days)
    )
    check_all(deal)
    return deal


def fine_deal(owner, name: str):
    """Fresh, closing next month, every criterion of its next move confirmed: nothing to do."""
    deal = DealFactory(owner=owner, name=name, expected_close_date=timezone.localdate() + timedelta(days=30))
    check_all(deal)
    return deal


def overdue_program(user, modules: int = 2):
    program = ProgramFactory(onboarding=False)
    for order in range(modules):
        ProgramModule.objects.create(program=program, module=ModuleFactory(), order=order)
    Enrollment.objects.create(user=user, program=program, due_date=timezone.localdate() - timedelta(days=3))
    return program


@pytest.fixture
def rep_day(rep, teammate, manager):
    """A rep with one rotting deal, one blocked deal, one overdue module, one update to acknowledge
    (and a deal with nothing to do); the teammate with a rotting deal and an overdue program of their own."""
    rotting = rotting_deal(rep, "Rotting deal")
    blocked = DealFactory(owner=rep, name="Blocked deal", expected_close_date=timezone.localdate() + timedelta(days=9))
    fine_deal(rep, "Fine deal")
    program = overdue_program(rep, modules=1)
    update = UpdateFactory(title="Price change")
    rotting_deal(teammate, "Teammate's rotting deal")
    overdue_program(teammate)
    UpdateFactory(title="For managers only", audience_role="manager")
    return {"rotting": rotting, "blocked": blocked, "program": program, "update": update}


def test_a_rep_sees_exactly_their_work(client, rep, rep_day):
    home = cards(client, rep)
    assert labels(home["deals-attention"]) == ["Rotting deal", "Blocked deal"]
    rotting, blocked = home["deals-attention"].items
    assert rotting.badge == "rotting" and rotting.url == rep_day["rotting"].get_absolute_url()
    # LeadIn → Discovery needs the playbook's criteria: none confirmed yet, each counted.
    missing = len(rep_day["blocked"].missing_criteria())
    assert blocked.badge == f"blocked: {missing} criteri{'on' if missing == 1 else 'a'} missing"
    module = rep_day["program"].program_modules.get().module
    assert labels(home["learning"]) == [f"Next: {module.title}"]
    assert home["learning"].items[0].badge == "overdue by 3 days"
    assert home["learning"].items[0].url == module.get_absolute_url()
    assert labels(home["updates"]) == ["Price change"]
    assert home["reviews"].items == [] and home["leads-waiting"].items == []
    page = client.get(HOME).content.decode()
    assert "Teammate" not in page and "For managers only" not in page


def test_items_leave_the_home_once_done(client, rep, rep_day):
    check_all(rep_day["blocked"])
    update_acknowledge(update=rep_day["update"], user=rep)
    module = rep_day["program"].program_modules.get().module
    ModuleProgress.objects.create(user=rep, module=module, completed_at=timezone.now())
    home = cards(client, rep)
    assert labels(home["deals-attention"]) == ["Rotting deal"]
    assert home["updates"].items == [] and home["learning"].items == []
    page = client.get(HOME).content.decode()
    assert "You are up to date" in page and "No training due" in page


def test_a_rep_sees_leads_and_call_reviews_waiting(client, rep, teammate, manager):
    mine = LeadFactory(owner=rep, team=rep.team, status=LeadStatus.MQL)
    LeadFactory(owner=rep, team=rep.team, status=LeadStatus.ACCEPTED)
    LeadFactory(owner=teammate, team=rep.team, status=LeadStatus.MQL)
    review = CallReviewFactory(rep=rep, reviewer=manager)
    CallReviewFactory(rep=rep, reviewer=manager, acknowledged_at=timezone.now())
    home = cards(client, rep)
    assert [item.url for item in home["leads-waiting"].items] == [mine.get_absolute_url()]
    assert [item.url for item in home["reviews"].items] == [review.get_absolute_url()]


def test_a_rep_sees_attainment_against_quota_with_pace(client, rep):
    today = timezone.localdate()
    Quota.objects.create(rep=rep, month=today.replace(day=1), amount=Decimal("10000"))
    won = DealFactory(owner=rep, stage=Stage.CLOSED_WON, amount=Decimal("2500"))
    won.closed_at = timezone.now()
    won.save()
    facts = dict(cards(client, rep)["attainment"].facts)
    assert facts["This month"].startswith("$2,500 of $10,000 (25%)")
    assert "expected by today" in facts["This month"]


def test_a_manager_sees_the_team_counted_per_rep(client, manager, rep, teammate, other_rep, rep_day):
    rotting_deal(other_rep, "Other team's deal")
    overdue_program(other_rep)
    home = cards(client, manager)
    per_rep = {item.label: item for item in home["team-deals-attention"].items}
    assert set(per_rep) == {str(rep), str(teammate)}
    assert per_rep[str(rep)].badge == "2 deals"
    assert per_rep[str(rep)].detail == "1 rotting · 1 blocked"
    assert per_rep[str(rep)].url == f"/pipeline/deals/?owner={rep.pk}"
    assert per_rep[str(rep)].links == (("1 rotting", f"/pipeline/deals/?owner={rep.pk}&rotting=1"),)
    assert home["team-deals-attention"].count == 3
    assert {item.label for item in home["training-behind"].items} == {str(rep), str(teammate)}
    assert "Other team" not in client.get(HOME).content.decode()


def test_a_manager_is_not_asked_to_acknowledge_rep_only_updates(client, manager, rep):
    UpdateFactory(title="For reps", audience_role="rep")
    UpdateFactory(title="For managers", audience_role="manager")
    home = cards(client, manager)
    assert labels(home["updates"]) == ["For managers"]


def test_an_enablement_admin_sees_content_and_telemetry_work(client, admin, rep):
    today = timezone.localdate()
    stale = published_asset(by=admin, title="Old battlecard", review_by=today - timedelta(days=5))
    published_asset(by=admin, title="Fresh story", review_by=today + timedelta(days=200))
    unused = published_asset(by=admin, title="Forgotten deck")
    used = published_asset(by=admin, title="Popular deck")
    for asset in (stale, unused, used):
        type(asset).objects.filter(pk=asset.pk).update(published_at=timezone.now() - timedelta(days=120))
    AssetUsage.objects.create(asset=used, kind=UsageKind.VIEW, user=rep)
    hard, easy = QuizFactory().module, QuizFactory().module
    for index, person in enumerate(UserFactory.create_batch(4)):
        ModuleProgress.objects.create(user=person, module=hard, attempts=1 + (index > 0), completed_at=timezone.now())
        ModuleProgress.objects.create(user=person, module=easy, attempts=1, completed_at=timezone.now())
    TelemetryRun.objects.create(as_of=today, status=RunStatus.SUCCEEDED, trigger="nightly", rows=12)
    home = cards(client, admin)
    assert labels(home["assets-review"]) == [str(stale)]
    assert set(labels(home["assets-unused"])) == {str(stale), str(unused)}
    assert labels(home["low-pass-modules"]) == [hard.title]
    assert home["low-pass-modules"].items[0].detail == "1 of 4 passed at the first attempt"
    assert dict(home["telemetry-run"].facts)["Status"] == "Succeeded"


def test_marketing_sees_rejections_returns_and_silent_integrations(client, marketing, rep):
    quiet, busy = IntegrationFactory(name="Quiet CRM"), IntegrationFactory(name="Busy CRM")
    for reasons in (["invalid_email", "not_qualified"], ["invalid_email"], ["missing_field"]):
        LeadRejection.objects.create(integration=busy, reasons=reasons, payload_digest="0" * 64)
    old = LeadRejection.objects.create(integration=quiet, reasons=["missing_field"], payload_digest="0" * 64)
    LeadRejection.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=3))
    returned = LeadFactory(
        integration=busy, status=LeadStatus.RETURNED, return_reason="bad_contact", returned_at=timezone.now()
    )
    home = cards(client, marketing)
    reasons = {item.label: item.detail for item in home["rejections"].items}
    assert reasons == {
        "Invalid e-mail address": "2 today · 2 this week (50% of rejections)",
        "Required field missing": "1 today · 2 this week (50% of rejections)",
    }
    assert [item.url for item in home["returned-leads"].items] == [
        reverse("admin:leads_lead_change", args=[returned.pk])
    ]
    assert labels(home["silent-integrations"]) == ["Quiet CRM"]


def test_empty_cards_say_what_good_looks_like(client, rep):
    home = cards(client, rep)
    assert home["deals-attention"].items == []
    page = client.get(HOME).content.decode()
    assert "Every open deal is moving" in page
    assert "No lead waits for you" in page


def many(persona: str, users: dict, size: int) -> None:
    """`size` more items on every card of the persona."""
    rep, manager, admin = users["rep"], users["manager"], users["admin"]
    integration = IntegrationFactory()
    for index in range(size):
        if persona in {"rep", "manager"}:
            owner = rep if persona == "rep" else UserFactory(team=rep.team, manager=manager, role="rep")
            rotting_deal(owner, f"Rotting {index}")
            DealFactory(owner=owner, expected_close_date=timezone.localdate() - timedelta(days=1))
            LeadFactory(integration=integration, owner=owner, team=rep.team)
            overdue_program(owner)
            UpdateFactory()
            CallReviewFactory(rep=rep, reviewer=manager)
        elif persona == "marketing":
            LeadFactory(integration=integration, status=LeadStatus.RETURNED, returned_at=timezone.now())
            LeadRejection.objects.create(integration=integration, reasons=[f"code_{index}"], payload_digest="0" * 64)
            IntegrationFactory()
        else:
            published_asset(by=admin, title=f"Asset {index}", review_by=timezone.localdate())
            QuizFactory()
            TelemetryRun.objects.create(as_of=timezone.localdate() - timedelta(days=index + size), trigger="nightly")


@pytest.mark.parametrize("persona", ["rep", "manager", "admin", "marketing"])
def test_the_home_makes_as_many_queries_at_50_items_as_at_5(client, persona, rep, manager, admin, marketing):
    users = {"rep": rep, "manager": manager, "admin": admin, "marketing": marketing}
    counts = []
    for size in (5, 45):
        many(persona, users, size)
        client.force_login(users[persona])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(HOME).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert HOME_ITEMS < 50
