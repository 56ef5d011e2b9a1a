"""The gate-compliance report.

Deal #1 (Alice, Lead in) is pushed on to Discovery from the board, the deal page and the API
before anyone confirmed Discovery's entry criterion "SDR has confirmed initial interest.": three
refused attempts. Then Alice confirms it with the evidence "ok" (2 characters: thin) and the
board moves it: one move out of Lead in.

Deals #2 to #4 entered Discovery (their first history row) and had the exit criterion "BANT ..."
confirmed, with long evidence, 2, 4 and 10 days later (#2 and #3 Alice's, #4 Bob's):
  organisation median of [2, 4, 10] = 4 days; Alice's [2, 4] = 3 days; the team's = 4 days.
"""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.services import api_key_create
from pipeline.models import CriterionCheck, Deal, RefusedMove, Stage, StageCriterion
from pipeline.services import criterion_check
from telemetry.gates import gate_report_for
from telemetry.models import Period
from telemetry.services import telemetry_recompute
from tests.pipeline.factories import DealFactory
from tests.telemetry.factories import at, deal_with_history

ENTRY = "SDR has confirmed initial interest."
BANT = "BANT (Budget, Authority, Need, Timeline) confirmed."
LONG = "Budget 40k approved by the CFO on the call."


@pytest.fixture
def gate_example(client, rep, teammate):
    deal = DealFactory(owner=rep, team=rep.team, stage=Stage.LEAD_IN)
    client.force_login(rep)
    client.post(reverse("pipeline:board_move", args=[deal.pk]), {"event": "QUALIFY"})
    client.post(reverse("pipeline:deal_move", args=[deal.pk]), {"event": "QUALIFY"})
    _, token = api_key_create(name="k", scopes=["deals:write"], acts_for=rep, created_by=rep)
    api = client.post(f"/api/v1/deals/{deal.pk}/transitions", json.dumps({"event": "QUALIFY"}),
                      content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")  # fmt: skip
    assert api.status_code == 409
    entry = StageCriterion.objects.get(stage=Stage.DISCOVERY, kind="entry")
    criterion_check(deal=deal, criterion=entry, by=rep, evidence="ok")
    client.post(reverse("pipeline:board_move", args=[deal.pk]), {"event": "QUALIFY"})
    bant = StageCriterion.objects.get(stage=Stage.DISCOVERY, kind="exit")
    start = timezone.localdate() - timedelta(days=20)
    for owner, days in ((rep, 2), (rep, 4), (teammate, 10)):
        entered = deal_with_history(owner, [(Stage.DISCOVERY, start)], amount=100)
        CriterionCheck.objects.create(deal=entered, criterion=bant, checked_by=owner, evidence=LONG,
                                      checked_at=at(start) + timedelta(days=days))  # fmt: skip
    telemetry_recompute(as_of=timezone.localdate())
    return {"deal": deal}


def test_every_path_records_its_refusal(gate_example):
    refused = RefusedMove.objects.filter(deal=gate_example["deal"])
    assert refused.count() == 3
    assert all(r.missing == [{"id": r.missing[0]["id"], "text": ENTRY}] for r in refused)
    assert {(r.from_stage, r.to_stage, r.event) for r in refused} == {(Stage.LEAD_IN, Stage.DISCOVERY, "QUALIFY")}
    assert Deal.objects.get(pk=gate_example["deal"].pk).stage == Stage.DISCOVERY


def test_the_report_counts_moves_refusals_missing_criteria_thin_evidence_and_medians(gate_example, admin, rep):
    report = gate_report_for(admin, as_of=timezone.localdate(), period=Period.ALL)
    alice_lead_in = next(r for r in report.reps if r.key == f"{rep.pk}:{Stage.LEAD_IN}")
    assert (alice_lead_in.details["moves"], alice_lead_in.details["refused"]) == (1, 3)
    assert alice_lead_in.details["top_missing"] == [[ENTRY, 3]]
    alice_discovery = next(r for r in report.reps if r.key == f"{rep.pk}:{Stage.DISCOVERY}")
    # Alice's Discovery confirmations: the entry one ("ok", thin) and two BANTs.
    assert (alice_discovery.details["checks"], alice_discovery.details["thin_evidence"]) == (3, 1)
    assert alice_discovery.details["criteria_medians"] == [[BANT, "3.00", 2]]
    [criterion] = report.criteria
    assert (criterion.label, criterion.details["median_days"], criterion.details["confirmations"]) == (BANT, "4.00", 3)
    [team_discovery] = [r for r in report.teams if r.segment == Stage.DISCOVERY]
    assert team_discovery.details["criteria_medians"] == [[BANT, "4.00", 3]]


def test_a_manager_sees_their_team_and_the_organisation_only(gate_example, other_manager, manager, rep):
    theirs = gate_report_for(other_manager, as_of=timezone.localdate(), period=Period.ALL)
    assert theirs.reps == [] and theirs.teams == []
    assert {r.segment for r in theirs.stages} == {Stage.LEAD_IN, Stage.DISCOVERY}
    mine = gate_report_for(manager, as_of=timezone.localdate(), period=Period.ALL)
    assert {r.details["rep_id"] for r in mine.reps} >= {rep.pk}


def test_the_page_and_csv_answer_managers_and_refuse_reps(gate_example, client, manager, rep):
    client.force_login(manager)
    page = client.get(reverse("telemetry:gates"))
    assert page.status_code == 200
    assert "Your team, per stage" in page.content.decode()
    csv = client.get(reverse("telemetry:gates_csv"))
    assert csv.status_code == 200 and ENTRY in csv.content.decode()
    assert client.get(reverse("telemetry:gates") + "?period=fortnight").status_code == 400
    client.force_login(rep)
    assert client.get(reverse("telemetry:gates")).status_code == 403


def test_an_admin_action_refused_for_missing_criteria_is_recorded_too(client, admin, rep):
    deal = DealFactory(owner=rep, team=rep.team, stage=Stage.LEAD_IN)
    client.force_login(admin)
    client.post(reverse("admin:pipeline_deal_changelist"), {"action": "move_qualify", "_selected_action": [deal.pk]})
    [refused] = RefusedMove.objects.filter(deal=deal)
    assert (refused.by, refused.from_stage, refused.missing[0]["text"]) == (admin, Stage.LEAD_IN, ENTRY)
