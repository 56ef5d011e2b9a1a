import pytest
from django.core.exceptions import ValidationError

from collateral.models import Asset, AssetUsage, AssetVersion, CollateralTag, TagKind, UsageKind, VersionStatus
from collateral.services import (
    asset_archive,
    asset_archive_version,
    asset_create,
    asset_publish_version,
    asset_share_to_deal,
    asset_unarchive,
    asset_update,
)
from tests.collateral.factories import AssetFactory, DealFactory, draft_version, published_asset

pytestmark = pytest.mark.django_db


def test_versions_order_as_semver_not_as_text(admin):
    asset = AssetFactory()
    for number in ["2.9.0", "2.10.0", "10.0.0", "2.9.10", "1.99.99"]:
        draft = AssetVersion(asset=asset, version=number, external_url="https://cdn.example.com/a.pdf")
        draft.full_clean()
        draft.save()
    assert [v.version for v in asset.versions.by_semver()] == ["10.0.0", "2.10.0", "2.9.10", "2.9.0", "1.99.99"]


@pytest.mark.parametrize("number", ["2.1", "v2.1.0", "02.1.0", "2.1.0-final", "2.1.0_FINAL", ""])
def test_a_version_that_is_not_semver_is_refused(number):
    version = AssetVersion(asset=AssetFactory(), version=number, external_url="https://cdn.example.com/a.pdf")
    with pytest.raises(ValidationError) as exc:
        version.full_clean()
    assert "version" in exc.value.message_dict


def test_the_current_version_is_the_highest_published_one(admin):
    asset = published_asset(by=admin, version="2.9.0")
    asset_publish_version(version=draft_version(asset, "2.10.0"), by=admin)
    draft_version(asset, "3.0.0")  # a draft is never current
    asset.refresh_from_db()
    assert asset.current_version.version == "2.10.0"


def test_publishing_a_version_lower_than_the_current_is_refused_with_a_message(admin):
    asset = published_asset(by=admin, version="2.1.0")
    lower = draft_version(asset, "2.0.0")
    with pytest.raises(ValidationError, match=r"not higher than the current version 2\.1\.0"):
        asset_publish_version(version=lower, by=admin)
    lower.refresh_from_db()
    assert lower.status == VersionStatus.DRAFT


def test_publishing_records_when_and_by_whom(admin):
    asset = published_asset(by=admin, version="1.0.0")
    version = asset_publish_version(version=draft_version(asset, "1.1.0"), by=admin)
    assert version.published_by == admin
    assert version.published_at is not None


def test_archiving_the_current_version_falls_back_to_the_next_published_one(admin):
    asset = published_asset(by=admin, version="1.0.0")
    newer = asset_publish_version(version=draft_version(asset, "1.1.0"), by=admin)
    asset_archive_version(version=newer, by=admin)
    asset.refresh_from_db()
    assert asset.current_version.version == "1.0.0"


def test_an_archived_version_cannot_be_published_again(admin):
    asset = published_asset(by=admin, version="1.0.0")
    old = asset.current_version
    asset_publish_version(version=draft_version(asset, "1.1.0"), by=admin)
    asset_archive_version(version=old, by=admin)
    with pytest.raises(ValidationError, match="cannot become published"):
        asset_publish_version(version=old, by=admin)


def test_archiving_an_asset_hides_it_from_reps_and_unarchiving_shows_it(admin, rep):
    asset = published_asset(by=admin)
    asset_archive(asset=asset, by=admin)
    assert not Asset.objects.for_user(rep).filter(pk=asset.pk).exists()
    assert Asset.objects.for_user(admin).filter(pk=asset.pk).exists()
    asset_unarchive(asset=asset, by=admin)
    assert Asset.objects.for_user(rep).filter(pk=asset.pk).exists()


def test_an_asset_without_a_published_version_is_hidden_from_reps(rep):
    draft_version(AssetFactory(), "1.0.0")
    assert not Asset.objects.for_user(rep).exists()


def test_asset_ids_are_generated_per_type_prefix(admin):
    assert asset_create(by=admin, type="CaseStudy", title="A").asset_id == "CS-0001"
    assert asset_create(by=admin, type="Whitepaper", title="B").asset_id == "WP-0001"
    assert asset_create(by=admin, type="CaseStudy", title="C", asset_id="CS-0042").asset_id == "CS-0042"
    assert asset_create(by=admin, type="CaseStudy", title="D").asset_id == "CS-0043"


def test_a_malformed_asset_id_is_refused(admin):
    with pytest.raises(ValidationError) as exc:
        asset_create(by=admin, type="CaseStudy", title="A", asset_id="cs42")
    assert "asset_id" in exc.value.message_dict
    assert not Asset.objects.exists()


def test_new_tags_get_a_kind_and_existing_tags_keep_theirs(admin):
    CollateralTag.objects.create(name="scalability", slug="scalability", kind=TagKind.USE_CASE)
    asset_create(by=admin, type="CaseStudy", title="A", tags=["fintech", "competitor_x", "scalability", "misc"])
    kinds = dict(CollateralTag.objects.values_list("name", "kind"))
    assert kinds == {
        "fintech": TagKind.INDUSTRY,
        "competitor_x": TagKind.COMPETITOR,
        "scalability": TagKind.USE_CASE,
        "misc": TagKind.OTHER,
    }


def test_updating_tags_updates_what_search_reads(admin):
    asset = asset_create(by=admin, type="CaseStudy", title="A", tags=["fintech"], audiences=["CFO"])
    asset_update(asset=asset, by=admin, tags=["retail", "api_performance"])
    # Tags, then the type as reps name it, then the audiences.
    assert Asset.objects.get().search_text == "api performance retail Case study case study customer story CFO"


def test_sharing_records_one_usage_with_the_deal(admin, rep):
    asset = published_asset(by=admin)
    deal = DealFactory(owner=rep)
    usage = asset_share_to_deal(asset=asset, deal=deal, by=rep)
    assert usage.kind == UsageKind.SHARE
    assert usage.deal == deal
    assert usage.version == asset.current_version


def test_an_archived_asset_cannot_be_shared(admin, rep):
    asset = asset_archive(asset=published_asset(by=admin), by=admin)
    with pytest.raises(ValidationError):
        asset_share_to_deal(asset=asset, deal=DealFactory(owner=rep), by=rep)
    assert not AssetUsage.objects.exists()
