from django.db import migrations

from accounts.roles import grant_role_permissions

# Enablement admins keep the recording allowlist and the certifications; attempts, refreshers,
# grants and module due dates are records they read (and correct) in Django admin.
CONTENT = ["recordinghost", "certification"]
RECORDS = ["quizattempt", "attemptanswer", "refresher", "certificationgrant", "moduleduedate"]

GRANTS = {
    "enablement_admin": [
        *(f"training.{action}_{model}" for model in CONTENT for action in ("view", "add", "change", "delete")),
        *(f"training.{action}_{model}" for model in RECORDS for action in ("view", "change")),
    ],
}


def grant(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0004_learning"),
        ("accounts", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
