from django.db import migrations

from accounts.roles import grant_role_permissions

# Managers read the telemetry (the dashboard narrows it to their team); enablement admins
# read it too and may start a recomputation.
GRANTS = {
    "manager": ["telemetry.view_metricsnapshot", "telemetry.view_telemetryrun"],
    "enablement_admin": [
        "telemetry.view_metricsnapshot",
        "telemetry.view_telemetryrun",
        "telemetry.recompute_telemetry",
    ],
}


def grant(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("telemetry", "0001_snapshots"), ("accounts", "0002_role_groups")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
