"""Search: on PostgreSQL a tsvector column kept by a trigger, its GIN index and trigram indexes;
on SQLite an FTS5 table and its triggers (enablement_portal/db.py)."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from enablement_portal.db import PostgresOnly, install_postgres_search_vector, install_sqlite_fts, uninstall_search


class Migration(migrations.Migration):
    dependencies = [
        ("collateral", "0001_initial"),
    ]

    operations = [
        # CREATE EXTENSION pg_trgm; a no-op on other databases.
        TrigramExtension(),
        migrations.AddField(
            model_name="asset",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        PostgresOnly(
            migrations.AddIndex(
                model_name="asset",
                index=django.contrib.postgres.indexes.GinIndex(fields=["search_vector"], name="collateral_asset_fts"),
            )
        ),
        PostgresOnly(
            migrations.AddIndex(
                model_name="asset",
                index=django.contrib.postgres.indexes.GinIndex(
                    fields=["title"], name="collateral_asset_title_trgm", opclasses=["gin_trgm_ops"]
                ),
            )
        ),
        PostgresOnly(
            migrations.AddIndex(
                model_name="asset",
                index=django.contrib.postgres.indexes.GinIndex(
                    fields=["search_text"], name="collateral_asset_tags_trgm", opclasses=["gin_trgm_ops"]
                ),
            )
        ),
        migrations.RunPython(install_postgres_search_vector, migrations.RunPython.noop),
        migrations.RunPython(install_sqlite_fts, uninstall_search),
    ]
