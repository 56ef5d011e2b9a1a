import django.db.models.deletion
import django.db.models.functions.text
from django.db import migrations, models

from accounts.roles import grant_role_permissions

# The products of the demo and of the crm-sample export (products.csv); admins add more in admin.
PRODUCTS = ["GTX Basic", "GTX Pro", "MG Special", "MG Advanced", "GTX Plus Pro", "GTX Plus Basic", "GTK 500"]
GRANTS = {"enablement_admin": ["pipeline.view_product", "pipeline.add_product", "pipeline.change_product"]}


def seed(apps, schema_editor):
    Product = apps.get_model("pipeline", "Product")
    for name in PRODUCTS:
        if not Product.objects.filter(name__iexact=name).exists():
            Product.objects.create(name=name)
    grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0003_seed_playbook_and_roles")]

    operations = [
        migrations.CreateModel(
            name="Product",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100)),
                (
                    "is_active",
                    models.BooleanField(default=True, help_text="Inactive products are not offered for new deals."),
                ),
            ],
            options={
                "ordering": ["name"],
                "constraints": [
                    models.UniqueConstraint(
                        django.db.models.functions.text.Lower("name"), name="product_name_unique_ci"
                    )
                ],
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.AddField(
            model_name="deal",
            name="product_ref",
            field=models.ForeignKey(
                null=True,
                blank=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="pipeline.product",
            ),
        ),
    ]
