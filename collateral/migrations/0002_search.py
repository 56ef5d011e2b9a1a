"""Search: PostgreSQL full text and trigram GIN indexes; on SQLite an FTS5 table and its triggers."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from collateral.db import PostgresOnly, install_sqlite_fts, uninstall_sqlite_fts


class Migration(migrations.Migration):
    dependencies = [
        ("collateral", "0001_initial"),
    ]

    operations = [
        # CREATE EXTENSION pg_trgm; a no-op on other databases.
        TrigramExtension(),
        PostgresOnly(
            migrations.AddIndex(
                model_name="asset",
                index=django.contrib.postgres.indexes.GinIndex(
                    django.contrib.postgres.search.CombinedSearchVector(
                        django.contrib.postgres.search.CombinedSearchVector(
                            django.contrib.postgres.search.SearchVector("title", config="english", weight="A"),
                            "||",
                            django.contrib.postgres.search.SearchVector("search_text", config="english", weight="B"),
                            django.contrib.postgres.search.SearchConfig("english"),
                        ),
                        "||",
                        django.contrib.postgres.search.SearchVector("description", config="english", weight="C"),
                        django.contrib.postgres.search.SearchConfig("english"),
                    ),
                    name="collateral_asset_fts",
                ),
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
        migrations.RunPython(install_sqlite_fts, uninstall_sqlite_fts),
    ]
