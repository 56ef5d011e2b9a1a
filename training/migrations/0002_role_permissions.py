from django.db import migrations

from accounts.roles import grant_role_permissions

CONTENT = ["videohost", "module", "quiz", "question", "choice", "program", "programmodule", "update", "scorecard",
           "criterion"]  # fmt: skip
RECORDS = ["enrollment", "moduleprogress", "acknowledgement", "callreview", "criterionscore", "reviewcomment"]

# Enablement admins run training in Django admin; reps and managers use the portal's pages,
# whose access rules are the querysets' for_user().
GRANTS = {
    "rep": ["training.view_module", "training.view_update"],
    "manager": [
        "training.view_module",
        "training.view_update",
        "training.view_enrollment",
        "training.add_enrollment",
        "training.view_callreview",
        "training.add_callreview",
    ],
    "enablement_admin": [
        *(f"training.{action}_{model}" for model in CONTENT for action in ("view", "add", "change", "delete")),
        *(f"training.{action}_{model}" for model in RECORDS for action in ("view", "add", "change")),
    ],
}


def grant(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0001_initial"),
        ("accounts", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
