from django.db import migrations

from accounts.roles import grant_role_permissions

# The playbook's three criteria; admins add more in the registry.
CRITERIA = [
    ("downloaded_technical_whitepaper", "Downloaded a technical whitepaper"),
    ("visited_pricing_page", "Visited the pricing page"),
    ("is_developer_title", "Has a developer job title"),
]

LEAD_ADMIN = [
    f"leads.{action}_{model}"
    for model in ["integration", "qualificationcriterion", "qualificationrule", "routingrule"]
    for action in ["view", "add", "change"]
]
GRANTS = {
    "rep": ["leads.view_lead"],
    "manager": ["leads.view_lead"],
    "enablement_admin": [*LEAD_ADMIN, "leads.view_lead", "leads.change_lead", "leads.view_leadrejection"],
    "marketing_ops": [*LEAD_ADMIN, "leads.view_lead", "leads.view_leadrejection"],
}


def seed(apps, schema_editor):
    Criterion = apps.get_model("leads", "QualificationCriterion")
    Rule = apps.get_model("leads", "QualificationRule")
    for code, label in CRITERIA:
        Criterion.objects.get_or_create(code=code, defaults={"label": label})
    # A baseline that admins tune: an engaged contact at a real company address.
    Rule.objects.get_or_create(
        name="Baseline MQL",
        defaults={"min_engagement_score": 40, "blocked_email_domains": "mailinator.com\nguerrillamail.com"},
    )
    grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
