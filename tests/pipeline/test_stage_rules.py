"""The playbook's per-stage rules, read in one query."""

import pytest

from pipeline.models import CriterionKind, Stage, StageCriterion, StageSetting
from pipeline.stage_rules import DEFAULT_ROTTING_DAYS, stage_rules

pytestmark = pytest.mark.django_db


def test_the_seeded_playbook_gives_each_stage_its_settings_and_gate(django_assert_num_queries):
    with django_assert_num_queries(1):
        rules = stage_rules()
    # pipeline/playbook.py: STAGE_SETTINGS (stage, probability, rotting days) and CRITERIA.
    assert rules.probability == {"LeadIn": 10, "Discovery": 20, "TechnicalDemo": 40, "Proposal": 60, "Closing": 80}
    assert rules.rotting_after == {"LeadIn": 14, "Discovery": 21, "TechnicalDemo": 21, "Proposal": 14, "Closing": 14}
    # LeadIn → Discovery: Discovery's entry; Discovery → Demo: Discovery's exit; Demo → Proposal: two exits;
    # Proposal → Closing: one exit; Closing → won: none.
    assert rules.gate_sizes == {"LeadIn": 1, "Discovery": 1, "TechnicalDemo": 2, "Proposal": 1, "Closing": 0}


def test_inactive_criteria_do_not_gate_and_a_stage_without_settings_takes_the_defaults():
    StageCriterion.objects.filter(stage=Stage.TECHNICAL_DEMO, kind=CriterionKind.EXIT, order=2).update(active=False)
    StageCriterion.objects.create(stage=Stage.CLOSING, kind=CriterionKind.ENTRY, text="Verbal yes.")
    StageSetting.objects.filter(stage=Stage.CLOSING).delete()
    rules = stage_rules()
    assert rules.gate_sizes["TechnicalDemo"] == 1
    assert rules.gate_sizes["Proposal"] == 2
    assert (rules.rotting_after["Closing"], rules.probability["Closing"]) == (DEFAULT_ROTTING_DAYS, 0)
