from typing import Any

from django.db import migrations

from enablement_portal.db import PostgresOnly

# The deal list's search (`icontains`, UPPER(name) LIKE '%…%') on PostgreSQL: trigram indexes on
# the deal's and the account's names. pg_trgm is a trusted extension: the database's owner may add it.
FORWARD: list[Any] = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS pipeline_deal_name_trgm ON pipeline_deal USING gin (UPPER(name) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS pipeline_account_name_trgm ON pipeline_account USING gin (UPPER(name) gin_trgm_ops)",
]
BACKWARD: list[Any] = [
    "DROP INDEX IF EXISTS pipeline_deal_name_trgm",
    "DROP INDEX IF EXISTS pipeline_account_name_trgm",
]


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0007_deal_list_index")]

    operations = [PostgresOnly(migrations.RunSQL(FORWARD, BACKWARD))]
