"""The funnel by stage when deals move back and forth or are reopened: a stage is reached once per deal."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pipeline.models import Deal, Event, Stage
from pipeline.services import deal_transition
from telemetry.metrics import stage_funnel
from telemetry.metrics.base import Span
from tests.pipeline.factories import DealFactory, check_all, lost_reason

pytestmark = pytest.mark.django_db


def _funnel(stage: str) -> dict:
    rows = stage_funnel(Span.ending(timezone.localdate()))
    return next(r.details for r in rows if r.key == stage and r.period == "all")


def test_the_funnel_counts_a_stage_reached_once_however_often_the_deal_reenters_it(rep):
    deal = DealFactory(owner=rep, stage=Stage.TECHNICAL_DEMO, stage_entered_at=timezone.now() - timedelta(days=5))
    check_all(deal)
    deal_transition(deal=deal, event=Event.PROPOSAL_REQUESTED, by=rep)
    before = {stage: _funnel(stage) for stage in (Stage.TECHNICAL_DEMO, Stage.PROPOSAL)}
    assert before[Stage.PROPOSAL]["reached"] == 1
    # Back and forth twice, then lost at Proposal, reopened and lost again.
    for _ in range(2):
        deal_transition(deal=Deal.objects.get(pk=deal.pk), event=Event.MOVED_BACK, by=rep, note="Wrong drag")
        deal_transition(deal=Deal.objects.get(pk=deal.pk), event=Event.PROPOSAL_REQUESTED, by=rep)
    assert {stage: _funnel(stage) for stage in before} == before
    deal_transition(deal=Deal.objects.get(pk=deal.pk), event=Event.DEAL_LOST, by=rep, lost_reason=lost_reason())
    deal_transition(deal=Deal.objects.get(pk=deal.pk), event=Event.REOPENED, by=rep, note="Back in play")
    deal_transition(deal=Deal.objects.get(pk=deal.pk), event=Event.DEAL_LOST, by=rep, lost_reason=lost_reason())
    assert _funnel(Stage.PROPOSAL) | {"lost": 0} == before[Stage.PROPOSAL] | {"lost": 0}
    assert _funnel(Stage.PROPOSAL)["lost"] == 1
    assert _funnel(Stage.CLOSED_LOST)["reached"] == 1
    # Technical demo: reached once, moved on once (the steps back are not moves on).
    assert (_funnel(Stage.TECHNICAL_DEMO)["reached"], _funnel(Stage.TECHNICAL_DEMO)["moved_on"]) == (1, 1)
