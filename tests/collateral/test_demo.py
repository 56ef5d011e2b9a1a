import pytest
from django.core.management import call_command

from collateral.models import Asset, AssetType, AssetUsage, AssetVersion, CollateralTag, TagKind


def snapshot() -> dict:
    return {
        "assets": list(Asset.objects.order_by("asset_id").values()),
        "versions": list(AssetVersion.objects.order_by("asset__asset_id", "version").values()),
        "tags": list(CollateralTag.objects.order_by("name").values_list("name", "kind")),
        "tagged": sorted(Asset.objects.values_list("asset_id", "tagged_items__tag__name")),
        "audiences": sorted(Asset.objects.values_list("asset_id", "audiences__name")),
        "usage": list(AssetUsage.objects.order_by("pk").values("asset__asset_id", "kind", "user__username")),
    }


@pytest.mark.django_db
def test_load_demo_twice_leaves_the_same_library(capsys):
    call_command("load_demo")
    first = snapshot()
    call_command("load_demo")
    assert snapshot() == first


@pytest.mark.django_db
def test_the_demo_library_is_believable(capsys, media_root):
    call_command("load_demo")
    assert "63 assets" in capsys.readouterr().out
    visible = Asset.objects.visible()
    assert visible.count() == 63
    assert set(visible.values_list("type", flat=True)) == set(AssetType.values)
    kinds = set(CollateralTag.objects.filter(tagged_assets__isnull=False).values_list("kind", flat=True))
    assert {TagKind.INDUSTRY, TagKind.USE_CASE, TagKind.COMPETITOR} <= kinds
    assert 5 <= visible.stale().count() <= 20
    assert all(asset.versions.count() >= 2 for asset in visible)
    assert AssetVersion.objects.exclude(file="").count() == 6
    assert len(list(media_root.rglob("*.pdf"))) == 6
    assert AssetUsage.objects.exists()
