from django.db import migrations


def to_products(apps, schema_editor):
    """Each deal's product text becomes a Product: an existing one of that name (any case), or a new one."""
    Deal = apps.get_model("pipeline", "Deal")
    Product = apps.get_model("pipeline", "Product")
    names = Deal.objects.exclude(product="").values_list("product", flat=True).distinct()
    for text in names:
        name = " ".join(text.split())
        if not name:
            continue
        product = Product.objects.filter(name__iexact=name).first() or Product.objects.create(name=name)
        Deal.objects.filter(product=text).update(product_ref=product)


def to_text(apps, schema_editor):
    Deal = apps.get_model("pipeline", "Deal")
    for product_id, name in apps.get_model("pipeline", "Product").objects.values_list("pk", "name"):
        Deal.objects.filter(product_ref_id=product_id).update(product=name)


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0004_product")]

    operations = [migrations.RunPython(to_products, to_text)]
