from django.db import migrations

from accounts.roles import grant_role_permissions

MANAGED = ["asset", "assetversion", "collateraltag", "audience"]

# Reps and managers use the library in the portal; enablement admins curate it in admin.
GRANTS = {
    "rep": ["collateral.view_asset"],
    "manager": ["collateral.view_asset", "collateral.view_assetusage"],
    "enablement_admin": [
        *(f"collateral.{action}_{model}" for model in MANAGED for action in ("view", "add", "change", "delete")),
        "collateral.view_assetusage",
    ],
    "marketing_ops": ["collateral.view_asset"],
}


def grant(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("collateral", "0002_search"),
        ("accounts", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
