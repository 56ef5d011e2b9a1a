import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_models_and_migrations_are_in_step():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_deal_products_in_text_become_products_of_the_list():
    """0005: each distinct product text becomes a Product (an existing one of that name in any case)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("pipeline", "0004_product")])
    apps = executor.loader.project_state([("pipeline", "0004_product")]).apps
    User = apps.get_model("accounts", "User")
    Account = apps.get_model("pipeline", "Account")
    Deal = apps.get_model("pipeline", "Deal")
    # 0004 seeds "GTX Pro", but a transactional test run before this one may have flushed it.
    apps.get_model("pipeline", "Product").objects.get_or_create(name="GTX Pro")
    owner = User.objects.create(username="migrated.rep")
    account = Account.objects.create(name="Migrated Co")
    for text in ["gtx pro", "Hover  board", "Hover board", ""]:
        Deal.objects.create(name=f"d {text}", account=account, owner=owner, product=text)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    from pipeline.models import Deal as CurrentDeal
    from pipeline.models import Product

    products = dict(CurrentDeal.objects.values_list("name", "product__name"))
    assert products == {
        "d gtx pro": "GTX Pro",
        "d Hover  board": "Hover board",
        "d Hover board": "Hover board",
        "d ": None,
    }
    assert Product.objects.filter(name__iexact="hover board").count() == 1
