from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from django.test import Client

from collateral.demo import DEMO_ASSETS
from collateral.models import Asset, AssetType, AssetUsage, AssetVersion, CollateralTag, SearchSynonym, TagKind


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
    assert f"{DEMO_ASSETS} assets" in capsys.readouterr().out
    visible = Asset.objects.visible()
    assert visible.count() == DEMO_ASSETS >= 40
    assert set(visible.values_list("type", flat=True)) == set(AssetType.values)
    kinds = set(CollateralTag.objects.filter(tagged_assets__isnull=False).values_list("kind", flat=True))
    assert {TagKind.INDUSTRY, TagKind.USE_CASE, TagKind.COMPETITOR} <= kinds
    assert 5 <= visible.stale().count() <= 20
    assert all(asset.versions.count() >= 2 for asset in visible)
    # Case studies are spread over industries, not all in one.
    case_study_industries = CollateralTag.objects.filter(
        kind=TagKind.INDUSTRY, tagged_assets__content_object__type=AssetType.CASE_STUDY
    ).values_list("name", flat=True)
    assert len(set(case_study_industries)) >= 6
    assert SearchSynonym.objects.filter(term="HIPAA").exists()
    assert AssetUsage.objects.exists()


@pytest.mark.django_db
def test_every_demo_version_is_a_file_the_portal_serves(capsys, media_root, rep, api_token):
    call_command("load_demo")
    versions = AssetVersion.objects.select_related("asset")
    assert not versions.exclude(external_url="").exists()
    assert not versions.filter(file="").exists()
    files = list(media_root.rglob("*.pdf")) + list(media_root.rglob("*.png"))
    assert len(files) == versions.count()
    # No URL the API gives for a demo version leaves the portal, and each one downloads its file.
    api = Client(HTTP_AUTHORIZATION=f"Bearer {api_token}")
    page = Client()
    page.force_login(rep)
    for asset_id in versions.values_list("asset__asset_id", flat=True).distinct():
        detail = api.get(f"/api/v1/collateral/{asset_id}").json()
        for url in [detail["url"], *(v["url"] for v in detail["versions"])]:
            assert url.startswith("http://testserver/collateral/"), url
        response = page.get(urlparse(detail["url"]).path)
        assert response.status_code == 200
        assert response["Content-Type"] in {"application/pdf", "image/png"}
