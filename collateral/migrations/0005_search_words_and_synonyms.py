"""Search that understands reps: the vocabulary typos are corrected against, synonyms admins
edit, the type and audiences in search's second column; the trigram indexes (the old typo
search on PostgreSQL) are dropped."""

from django.db import migrations, models

from enablement_portal.db import PostgresOnly


def reindex(apps, schema_editor):
    """search_text = tags, type words, audiences (as services.search_text_for); vocabulary from titles and it."""
    from collateral.search.lexicon import STOP_WORDS, type_search_words, words_of

    Asset = apps.get_model("collateral", "Asset")
    SearchWord = apps.get_model("collateral", "SearchWord")
    words = set()
    for asset in Asset.objects.prefetch_related("tagged_items__tag", "audiences").iterator(chunk_size=2000):
        tags = sorted(item.tag.name.replace("_", " ") for item in asset.tagged_items.all())
        audiences = [a.name for a in sorted(asset.audiences.all(), key=lambda a: a.pk)]
        asset.search_text = " ".join([*tags, type_search_words(asset.type), *audiences])
        asset.save(update_fields=["search_text"])
        words.update(words_of(f"{asset.title} {asset.search_text}"))
    words = {w for w in words if len(w) >= 3 and not w.isdigit() and w not in STOP_WORDS}
    SearchWord.objects.bulk_create([SearchWord(word=w[:64]) for w in sorted(words)], ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("collateral", "0004_version_file_or_url"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchSynonym",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "term",
                    models.CharField(
                        help_text="What reps type, e.g. HIPAA or ROI (one or a few words).", max_length=100, unique=True
                    ),
                ),
                (
                    "means",
                    models.CharField(
                        help_text="What the library says instead, e.g. healthcare compliance (all these words).",
                        max_length=200,
                    ),
                ),
            ],
            options={"verbose_name": "search synonym", "ordering": ["term"]},
        ),
        migrations.CreateModel(
            name="SearchWord",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("word", models.CharField(max_length=64, unique=True)),
            ],
        ),
        PostgresOnly(migrations.RemoveIndex(model_name="asset", name="collateral_asset_title_trgm")),
        PostgresOnly(migrations.RemoveIndex(model_name="asset", name="collateral_asset_tags_trgm")),
        migrations.RunPython(reindex, migrations.RunPython.noop),
    ]
