from django.db import migrations

from accounts.roles import grant_role_permissions

# Enablement admins edit the call linter's trackers (versioned with reversion).
GRANTS = {"enablement_admin": [f"training.{action}_tracker" for action in ("view", "add", "change", "delete")]}


def grant(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0007_call_linter"),
        ("accounts", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
