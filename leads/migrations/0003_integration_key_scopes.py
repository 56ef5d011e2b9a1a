from django.db import migrations


def leads_scopes(apps, schema_editor):
    """An integration's key sends and reads leads and nothing else; it acts for no one."""
    ApiKey = apps.get_model("accounts", "ApiKey")
    ApiKey.objects.filter(integration__isnull=False).update(scopes=["leads:read", "leads:write"], acts_for=None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_api_key_scopes"),
        ("leads", "0002_seed_criteria_and_roles"),
    ]

    operations = [migrations.RunPython(leads_scopes, migrations.RunPython.noop)]
