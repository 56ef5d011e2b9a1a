"""The funnel by stage when deals move back and forth or are reopened: a stage is reached once per deal."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pipeline.models import Deal, DealStageChange, Event, Stage
from pipeline.services import deal_transition
from telemetry.metrics import rep_funnel, stage_funnel
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


def test_a_move_at_the_very_end_of_the_window_counts_in_neither_funnel(rep):
    """The window ends at midnight after as_of, exclusive. Both funnels are raw SQL: on SQLite an
    unadapted aware datetime ("…00:00:00+00:00") sorted after a row stored at that very instant,
    so a move at midnight counted in the day before."""
    as_of = timezone.localdate() - timedelta(days=3)
    span = Span.ending(as_of)
    # Created in Lead in two days before the end (the factory writes that history row).
    deal = DealFactory(owner=rep, stage=Stage.LEAD_IN, stage_entered_at=span.end - timedelta(days=2))
    DealStageChange.objects.create(deal=deal, from_stage=Stage.LEAD_IN, to_stage=Stage.DISCOVERY,
                                   event=Event.QUALIFY, at=span.end)  # fmt: skip
    stages = {r.key: r.details for r in stage_funnel(span) if r.period == "all"}
    assert (stages[Stage.LEAD_IN]["reached"], stages[Stage.LEAD_IN]["moved_on"]) == (1, 0)
    assert Stage.DISCOVERY not in stages
    reps = {r.key: r.details for r in rep_funnel(span) if r.period == "all" and r.dimension == "rep"}
    assert (reps[f"{rep.pk}:{Stage.LEAD_IN}"]["reached"], reps[f"{rep.pk}:{Stage.LEAD_IN}"]["moved_on"]) == (1, 0)
    assert f"{rep.pk}:{Stage.DISCOVERY}" not in reps
