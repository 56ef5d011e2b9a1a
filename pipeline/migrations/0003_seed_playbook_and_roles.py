from django.db import migrations

from accounts.roles import grant_role_permissions

# The playbook's criteria; enablement admins edit them (and add more) in admin afterwards.
CRITERIA = [
    ("Discovery", "entry", 1, "SDR has confirmed initial interest."),
    ("Discovery", "exit", 1, "BANT (Budget, Authority, Need, Timeline) confirmed."),
    ("TechnicalDemo", "exit", 1, "Key technical stakeholders attended."),
    ("TechnicalDemo", "exit", 2, "Proof of value established."),
    ("Proposal", "exit", 1, "Legal and security review passed."),
]
# (stage, win probability %, rotting after days): a starting point for admins to tune.
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

GRANTS = {
    "rep": ["pipeline.view_deal", "pipeline.move_deal"],
    "manager": ["pipeline.view_deal", "pipeline.move_deal", "pipeline.view_quota"],
    "enablement_admin": [
        "pipeline.view_deal",
        "pipeline.change_deal",
        "pipeline.move_deal",
        "pipeline.view_account",
        "pipeline.add_account",
        "pipeline.change_account",
        "pipeline.view_stagecriterion",
        "pipeline.add_stagecriterion",
        "pipeline.change_stagecriterion",
        "pipeline.view_stagesetting",
        "pipeline.change_stagesetting",
        "pipeline.view_lostreason",
        "pipeline.add_lostreason",
        "pipeline.change_lostreason",
        "pipeline.view_criterioncheck",
        "pipeline.view_dealstagechange",
        "pipeline.view_quota",
        "pipeline.add_quota",
        "pipeline.change_quota",
        "pipeline.delete_quota",
    ],
    "marketing_ops": [],
}


def seed(apps, schema_editor):
    StageCriterion = apps.get_model("pipeline", "StageCriterion")
    StageSetting = apps.get_model("pipeline", "StageSetting")
    LostReason = apps.get_model("pipeline", "LostReason")
    for stage, kind, order, text in CRITERIA:
        StageCriterion.objects.get_or_create(stage=stage, kind=kind, text=text, defaults={"order": order})
    for stage, probability, rotting in STAGE_SETTINGS:
        StageSetting.objects.get_or_create(
            stage=stage, defaults={"probability": probability, "rotting_after_days": rotting}
        )
    for order, name in enumerate(LOST_REASONS, start=1):
        LostReason.objects.get_or_create(name=name, defaults={"order": order})
    grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0002_stages_criteria_history_quota"), ("accounts", "0002_role_groups")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
