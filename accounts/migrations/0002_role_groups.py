from django.db import migrations

from accounts.roles import grant_role_permissions

# What each role may do with this app's models; later apps' migrations add their own.
GRANTS = {
    "rep": [],
    "manager": ["accounts.view_user", "accounts.view_team"],
    "enablement_admin": [
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_team",
        "accounts.add_team",
        "accounts.change_team",
        "accounts.delete_team",
        "accounts.view_apikey",
        "accounts.add_apikey",
        "accounts.change_apikey",
    ],
    "marketing_ops": ["accounts.view_apikey", "accounts.add_apikey", "accounts.change_apikey"],
}


def grant(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
