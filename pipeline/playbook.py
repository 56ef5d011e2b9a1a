"""The playbook's defaults: criteria, stage settings and lost reasons.

Migration 0003 seeds the same values (migrations keep their own frozen copy). `ensure_playbook`
puts back any that are missing, for the demo loader on a database that was emptied (a flushed
test database, or an admin who deleted everything).
"""

from pipeline.models import LostReason, StageCriterion, StageSetting

CRITERIA = [
    ("Discovery", "entry", 1, "SDR has confirmed initial interest."),
    ("Discovery", "exit", 1, "BANT (Budget, Authority, Need, Timeline) confirmed."),
    ("TechnicalDemo", "exit", 1, "Key technical stakeholders attended."),
    ("TechnicalDemo", "exit", 2, "Proof of value established."),
    ("Proposal", "exit", 1, "Legal and security review passed."),
]
STAGE_SETTINGS = [
    ("LeadIn", 10, 14),
    ("Discovery", 20, 21),
    ("TechnicalDemo", 40, 21),
    ("Proposal", 60, 14),
    ("Closing", 80, 14),
]
LOST_REASONS = [
    "Price",
    "Lost to a competitor",
    "No decision / status quo",
    "No budget",
    "Timing",
    "Product fit",
    "Went dark",
]


def ensure_playbook() -> None:
    if not StageCriterion.objects.exists():
        for stage, kind, order, text in CRITERIA:
            StageCriterion.objects.create(stage=stage, kind=kind, text=text, order=order)
    for stage, probability, rotting in STAGE_SETTINGS:
        StageSetting.objects.get_or_create(
            stage=stage, defaults={"probability": probability, "rotting_after_days": rotting}
        )
    if not LostReason.objects.filter(active=True).exists():
        for order, name in enumerate(LOST_REASONS, start=1):
            LostReason.objects.update_or_create(name=name, defaults={"order": order, "active": True})
