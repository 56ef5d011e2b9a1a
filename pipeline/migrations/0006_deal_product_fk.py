import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0005_deal_product_to_list")]

    operations = [
        migrations.RemoveField(model_name="deal", name="product"),
        migrations.RenameField(model_name="deal", old_name="product_ref", new_name="product"),
        migrations.AlterField(
            model_name="deal",
            name="product",
            field=models.ForeignKey(
                blank=True,
                help_text="What it sells.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deals",
                to="pipeline.product",
            ),
        ),
    ]
