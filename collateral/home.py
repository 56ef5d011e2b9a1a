"""Collateral's cards on the enablement admin's home page: assets due for review, and published
assets nobody has used for 90 days (candidates to refresh or archive)."""

from datetime import date, timedelta

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from accounts.home import HOME_ITEMS, HomeCard, HomeItem
from accounts.models import User
from accounts.rules import is_enablement_admin
from collateral.models import Asset, AssetUsage

# Due for review: past its review date, or reaching it within this many days.
REVIEW_WARNING_DAYS = 14
UNUSED_DAYS = 90


def review_card(today: date) -> HomeCard:
    due = Asset.objects.filter(archived_at__isnull=True, review_by__lt=today + timedelta(days=REVIEW_WARNING_DAYS))
    total = due.count()
    items = []
    for asset in due.order_by("review_by", "asset_id")[:HOME_ITEMS]:
        assert asset.review_by is not None  # filtered above
        days = (asset.review_by - today).days
        overdue = days < 0
        items.append(
            HomeItem(
                str(asset),
                asset.get_absolute_url(),
                detail=f"review by {asset.review_by:%-d %b %Y}",
                badge=f"{-days} days past review" if overdue else f"review due in {days} days",
                tone="danger" if overdue else "warning",
            )
        )
    return HomeCard(
        key="assets-review",
        title="Assets due for review",
        items=items,
        total=total,
        empty_text=f"Every asset is within its review date for the next {REVIEW_WARNING_DAYS} days.",
        more_url=reverse("collateral:stale"),
        more_label="Stale assets",
        order=10,
    )


def unused_card() -> HomeCard:
    since = timezone.now() - timedelta(days=UNUSED_DAYS)
    used = AssetUsage.objects.filter(asset=OuterRef("pk"), created_at__gte=since)
    unused = Asset.objects.visible().filter(published_at__lt=since).exclude(Exists(used))
    total = unused.count()
    items = [
        HomeItem(
            str(asset),
            asset.get_absolute_url(),
            detail=f"published {asset.published_at:%-d %b %Y}" if asset.published_at else "",
            badge=f"unused for {UNUSED_DAYS}+ days",
            tone="warning",
        )
        for asset in unused.order_by("published_at", "asset_id")[:HOME_ITEMS]
    ]
    return HomeCard(
        key="assets-unused",
        title=f"Published assets unused for {UNUSED_DAYS} days",
        items=items,
        total=total,
        empty_text=f"Every published asset was viewed, downloaded or shared in the last {UNUSED_DAYS} days.",
        more_url=reverse("collateral:library"),
        more_label="Collateral library",
        order=25,
    )


def home_cards(user: User) -> list[HomeCard]:
    if not is_enablement_admin(user):
        return []
    today = timezone.localdate()
    return [review_card(today), unused_card()]
