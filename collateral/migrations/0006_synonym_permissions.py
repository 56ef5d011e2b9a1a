from django.db import migrations

from accounts.roles import grant_role_permissions

# Enablement admins edit the search synonyms in admin.
GRANTS = {
    "enablement_admin": [f"collateral.{action}_searchsynonym" for action in ("view", "add", "change", "delete")],
}


def grant(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("collateral", "0005_search_words_and_synonyms"),
        ("accounts", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
