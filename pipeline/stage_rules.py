"""The playbook's rules per open stage, read in one query: when a deal rots, the stage's win
probability, and how many active criteria its forward move needs.

The board, the deal list and the home page each need two or three of these; reading the stage
settings and the active criteria as one UNION ALL keeps each page one query shorter.
"""

from dataclasses import dataclass

from django.db.models import CharField, IntegerField, Value

from pipeline.models import NEXT_STAGE, OPEN_STAGES, CriterionKind, StageCriterion, StageSetting

# When a stage has no setting row (an admin deleted it): the board's defaults.
DEFAULT_ROTTING_DAYS = 30
DEFAULT_PROBABILITY = 0


@dataclass(frozen=True)
class StageRules:
    # Days in the stage after which a deal rots.
    rotting_after: dict[str, int]
    # Chance, in percent, that a deal in the stage is won.
    probability: dict[str, int]
    # Active criteria the move out of the stage needs: its exits and the next stage's entries.
    gate_sizes: dict[str, int]


def stage_rules() -> StageRules:
    """The rules of every open stage (one query)."""
    no_kind = Value("", output_field=CharField())
    settings = StageSetting.objects.order_by().values_list("stage", "rotting_after_days", "probability", no_kind)
    zero = Value(0, output_field=IntegerField())
    criteria = StageCriterion.objects.active().order_by().values_list("stage", zero, zero, "kind")
    rotting_after: dict[str, int] = dict.fromkeys(OPEN_STAGES, DEFAULT_ROTTING_DAYS)
    probability: dict[str, int] = dict.fromkeys(OPEN_STAGES, DEFAULT_PROBABILITY)
    gate_sizes: dict[str, int] = dict.fromkeys(OPEN_STAGES, 0)
    entering: dict[str, str] = {target: source for source, target in NEXT_STAGE.items()}
    for stage, days, chance, kind in settings.union(criteria, all=True):
        if not kind:
            rotting_after[stage], probability[stage] = days, chance
        elif kind == CriterionKind.EXIT and stage in gate_sizes:
            gate_sizes[stage] += 1
        elif kind == CriterionKind.ENTRY and stage in entering and entering[stage] in gate_sizes:
            gate_sizes[entering[stage]] += 1
    return StageRules(rotting_after=rotting_after, probability=probability, gate_sizes=gate_sizes)
