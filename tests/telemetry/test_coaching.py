"""Coaching from each rep's funnel.

Alice (rep) and Bob (teammate) each have five deals that reached Discovery in June 2026:
  Alice: 1 moved on to Technical demo, 4 lost at Discovery -> 1 / 5 = 20 %
  Bob:   5 moved on to Technical demo                     -> 5 / 5 = 100 %
  team:  6 / 10 = 60 %, so Alice's Discovery is 40 points below the team's.
Lead in: both 5 of 5 moved on (no gap). Technical demo: Alice 1 deal (below the minimum of 5),
Bob 0 of 5 against the team's 0 of 6 (no gap).
"""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.home import home_cards_for
from pipeline.models import Stage
from telemetry.coaching import coaching_for
from telemetry.services import telemetry_recompute
from tests.telemetry.factories import deal_with_history
from training.models import Enrollment, Module

AS_OF = date(2026, 6, 30)
S = Stage


@pytest.fixture
def coaching_example(rep, teammate):
    for n in range(5):
        day = date(2026, 6, 1 + n)
        alice_path = [(S.LEAD_IN, day), (S.DISCOVERY, day + timedelta(days=1))]
        alice_path.append(
            (S.TECHNICAL_DEMO, day + timedelta(days=5)) if n == 0 else (S.CLOSED_LOST, day + timedelta(days=9))
        )
        deal_with_history(rep, alice_path, amount=1000)
        deal_with_history(teammate, [(S.LEAD_IN, day), (S.DISCOVERY, day + timedelta(days=1)),
                                     (S.TECHNICAL_DEMO, day + timedelta(days=3))], amount=1000)  # fmt: skip
    discovery = Module.objects.create(title="Discovery calls that stick", summary="s", body="b", estimated_minutes=5,
                                      stages=[S.DISCOVERY])  # fmt: skip
    Module.objects.create(title="Demo craft", summary="s", body="b", estimated_minutes=5, stages=[S.TECHNICAL_DEMO])
    telemetry_recompute(as_of=AS_OF)
    return {"module": discovery}


def test_it_suggests_the_stage_furthest_below_the_team_and_its_modules(coaching_example, rep, manager):
    [suggestion] = coaching_for(manager)
    assert (suggestion.rep_id, suggestion.stage) == (rep.pk, S.DISCOVERY)
    assert (suggestion.moved_on, suggestion.reached, suggestion.team_moved_on, suggestion.team_reached) == (1, 5, 6, 10)
    assert suggestion.summary.endswith("1 of 5 deals moved on (20%) against the team's 6 of 10 (60%)")
    assert [m.title for m in suggestion.modules] == ["Discovery calls that stick"]
    # The rep sees their own; another team's manager sees none of it.
    assert [s.rep_id for s in coaching_for(rep)] == [rep.pk]


def test_below_the_minimum_sample_nothing_is_suggested(coaching_example, manager, settings):
    settings.TELEMETRY_COACHING_MIN_DEALS = 6
    assert coaching_for(manager) == []


def test_another_teams_manager_sees_no_suggestion_for_this_team(coaching_example, other_manager):
    assert coaching_for(other_manager) == []


def test_the_reps_home_shows_the_card(coaching_example, rep):
    [card] = [card for card in home_cards_for(rep) if card.key == "coaching"]
    assert card.items[0].label == "Work on Discovery"
    assert "Discovery calls that stick" in card.items[0].detail


def test_the_team_page_loads_coaching_by_url_and_assign_enrols_with_a_due_date(coaching_example, client, manager, rep):
    client.force_login(manager)
    assert f'hx-get="{reverse("telemetry:coaching")}"' in client.get(reverse("accounts:team")).content.decode()
    partial = client.get(reverse("telemetry:coaching"), headers={"HX-Request": "true"}).content.decode()
    assert "Discovery calls that stick" in partial and "Assign" in partial
    due = timezone.localdate() + timedelta(days=10)
    answer = client.post(reverse("telemetry:coaching_assign", args=[rep.pk]), {"stage": S.DISCOVERY, "due_date": due})
    assert answer.status_code == 302
    enrollment = Enrollment.objects.get(user=rep, program__name="Coaching: Discovery")
    assert enrollment.due_date == due
    assert list(enrollment.program.modules.all()) == [coaching_example["module"]]


def test_assign_refuses_a_past_due_date_and_a_foreign_rep(coaching_example, client, manager, other_manager, rep):
    client.force_login(manager)
    past = timezone.localdate() - timedelta(days=1)
    client.post(reverse("telemetry:coaching_assign", args=[rep.pk]), {"stage": S.DISCOVERY, "due_date": past})
    assert not Enrollment.objects.filter(user=rep, program__name__startswith="Coaching").exists()
    client.force_login(other_manager)
    due = timezone.localdate() + timedelta(days=3)
    answer = client.post(reverse("telemetry:coaching_assign", args=[rep.pk]), {"stage": S.DISCOVERY, "due_date": due})
    assert answer.status_code == 404


def test_a_rep_may_not_assign(coaching_example, client, rep):
    client.force_login(rep)
    due = timezone.localdate() + timedelta(days=3)
    answer = client.post(reverse("telemetry:coaching_assign", args=[rep.pk]), {"stage": S.DISCOVERY, "due_date": due})
    assert answer.status_code == 403
