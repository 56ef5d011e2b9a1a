"""Recommendations on an open deal, on a hand-built fixture with the numbers worked out.

As of 2026-06-30, 100 closed healthcare deals of product GTX Pro: 50 won, 50 lost (each lost
one at Proposal, so every deal reached LeadIn, Discovery, TechnicalDemo and Proposal).

  asset                      shared on              won   lost
  A "Healthcare ROI study"   30 deals               24     6
  B "Two-deal wonder"         2 deals                2     0
  D "Archived hero"          10 deals               10     0   (archived afterwards)
  E "Draft hero"             10 deals               10     0   (never published)

The base rate p0 = 50 / 100 = 0.5; the prior is worth k = 10 deals (k·p0 = 5 wins).
  A with:    (24 + 5) / (30 + 10) = 29 / 40  = 0.725
    without: 26 won of 70 -> (26 + 5) / (70 + 10) = 31 / 80 = 0.3875   score 0.3375
  B with:    (2 + 5) / (2 + 10)   = 7 / 12   = 0.58333
    without: 48 won of 98 -> (48 + 5) / (98 + 10) = 53 / 108 = 0.49074 score 0.09259
So A (80 % raw) ranks above B (100 % raw). Explanation of A: 24 of 30 = 80 %, 26 of 70 = 37 %.
"""

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from collateral.models import AssetUsage, UsageKind
from pipeline.models import Account, Deal, Stage
from telemetry.models import Metric, MetricSnapshot
from telemetry.recommendations import recommendations_for
from telemetry.services import telemetry_recompute
from tests.collateral.factories import AssetFactory, AssetVersionFactory, published_asset
from tests.pipeline.factories import product_named

AS_OF = date(2026, 6, 30)


def at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))


def closed_deal(owner, account, n: int, *, won: bool) -> Deal:
    day = date(2026, 3, 1 + n % 28)
    return Deal.objects.create(
        name=f"Closed {n}", account=account, owner=owner, team=owner.team, product=product_named("GTX Pro"),
        stage=Stage.CLOSED_WON if won else Stage.CLOSED_LOST, lost_at_stage="" if won else Stage.PROPOSAL,
        closed_at=at(day), stage_entered_at=at(day), created_at=at(date(2026, 1, 5)),
    )  # fmt: skip


def share(asset, deal: Deal, user) -> None:
    AssetUsage.objects.create(
        asset=asset, version=asset.current_version or asset.versions.first(), kind=UsageKind.SHARE,
        user=user, deal=deal, created_at=deal.closed_at.replace(hour=9),
    )  # fmt: skip


@pytest.fixture
def lift_example(rep, admin):
    hospital = Account.objects.create(name="St Mary's", industry="healthcare")
    won = [closed_deal(rep, hospital, n, won=True) for n in range(50)]
    lost = [closed_deal(rep, hospital, 50 + n, won=False) for n in range(50)]
    a = published_asset(by=admin, title="Healthcare ROI study", asset_id="CS-0101")
    b = published_asset(by=admin, title="Two-deal wonder", asset_id="CS-0102")
    d = published_asset(by=admin, title="Archived hero", asset_id="CS-0103")
    e = AssetFactory(title="Draft hero", asset_id="CS-0104")
    AssetVersionFactory(asset=e, version="0.1.0")
    for deal in won[:24] + lost[:6]:
        share(a, deal, rep)
    for deal in won[24:26]:
        share(b, deal, rep)
    for deal in won[30:40]:
        share(d, deal, rep)
        share(e, deal, rep)
    d.archived_at = timezone.now()
    d.save(update_fields=["archived_at"])
    telemetry_recompute(as_of=AS_OF)
    open_deal = Deal.objects.create(
        name="New ward", account=hospital, owner=rep, team=rep.team, product=product_named("GTX Pro"),
        stage=Stage.LEAD_IN,
    )  # fmt: skip
    return {"deal": open_deal, "a": a, "b": b, "d": d, "e": e}


def test_a_high_lift_over_30_deals_ranks_above_two_wins_of_two(lift_example, settings):
    # Trust every sample, so that only the shrinkage decides between A and B.
    settings.TELEMETRY_RECOMMENDATION_MIN_DEALS = 1
    recs = recommendations_for(Deal.objects.select_related("account", "product").get(pk=lift_example["deal"].pk))
    assert [r.asset_id for r in recs.items] == ["CS-0101", "CS-0102"]
    a, b = recs.items
    assert a.score == Decimal("0.3375")
    assert b.score == Decimal("0.0926")
    assert (a.basis, a.sample_size, b.sample_size) == ("lift", 30, 2)


def test_the_explanation_states_the_fixtures_counts(lift_example):
    recs = recommendations_for(Deal.objects.select_related("account", "product").get(pk=lift_example["deal"].pk))
    first = recs.items[0]
    assert first.explanation == "Shared on 30 closed healthcare deals, 24 won — 80 % vs 37 % without"
    assert first.badge == "30 deals"
    # B's 2 deals are below the default minimum of 5: its lift is not trusted, and it comes after,
    # on tag relevance only (a case study fits Lead in), saying how little history it has.
    assert [(r.asset_id, r.basis) for r in recs.items] == [("CS-0101", "lift"), ("CS-0102", "tags")]
    assert recs.items[1].badge == "tags only: 2 deals"
    assert "too little history (shared on 2 closed healthcare deals, 2 won — 100 % vs 49 % without)" in (
        recs.items[1].explanation
    )


def test_archived_and_unpublished_assets_never_appear(lift_example, settings):
    settings.TELEMETRY_RECOMMENDATION_MIN_DEALS = 1
    recs = recommendations_for(Deal.objects.select_related("account", "product").get(pk=lift_example["deal"].pk))
    # D (10 of 10) and E (10 of 10) would score highest of all; one is archived, one a draft.
    assert {"CS-0103", "CS-0104"}.isdisjoint(r.asset_id for r in recs.items)


def test_without_history_it_ranks_by_tags(rep, admin):
    shop = Account.objects.create(name="Corner shop", industry="retail")
    deal = Deal.objects.create(
        name="Exeter shop vs Northwind", account=shop, owner=rep, team=rep.team, stage=Stage.DISCOVERY
    )
    both = published_asset(
        by=admin, title="Retail vs Northwind", asset_id="BC-0201", tags=["retail", "competitor_northwind"]
    )
    industry = published_asset(by=admin, title="Retail one-pager", asset_id="OP-0202", tags=["retail"])
    published_asset(by=admin, title="Telecom deck", asset_id="PD-0203", tags=["telecom"])
    # "x" is a letter of "Exeter", not a word of the deal's name: not a competitor match.
    published_asset(by=admin, title="Against X", asset_id="BC-0205", tags=["competitor_x"])
    hidden = published_asset(by=admin, title="Retail archived", asset_id="CS-0204", tags=["retail"])
    hidden.archived_at = timezone.now()
    hidden.save(update_fields=["archived_at"])
    telemetry_recompute(as_of=AS_OF)
    recs = recommendations_for(Deal.objects.select_related("account", "product").get(pk=deal.pk))
    # Two tags (4 points) before one tag and a case-study type that fits Discovery (3 points).
    assert [r.asset_id for r in recs.items] == [both.asset_id, industry.asset_id]
    assert all(r.basis == "tags" and r.badge == "tags only" for r in recs.items)
    assert recs.items[0].explanation.startswith("Matches this deal: tagged retail (industry); tagged northwind")


def test_it_says_why_there_is_nothing(rep):
    plain = Account.objects.create(name="Nobody Inc")
    deal = Deal.objects.create(name="Lonely", account=plain, owner=rep, team=rep.team)
    assert "No telemetry snapshot yet" in recommendations_for(deal).why_nothing
    telemetry_recompute(as_of=AS_OF)
    recs = recommendations_for(Deal.objects.select_related("account", "product").get(pk=deal.pk))
    assert recs.items == []
    assert "No asset has been shared on closed deals like this one" in recs.why_nothing


def test_it_reads_a_fixed_number_of_queries(lift_example, django_assert_max_num_queries):
    deal = Deal.objects.select_related("account", "product").get(pk=lift_example["deal"].pk)
    with django_assert_max_num_queries(5):
        recommendations_for(deal)


def test_the_partial_and_the_api_show_them_and_hide_foreign_deals(lift_example, client, rep, other_rep):
    deal = lift_example["deal"]
    client.force_login(rep)
    page = client.get(reverse("telemetry:deal_recommendations", args=[deal.pk]), headers={"HX-Request": "true"})
    assert page.status_code == 200
    assert "Shared on 30 closed healthcare deals, 24 won — 80 % vs 37 % without" in page.content.decode()
    api = client.get(f"/api/v1/deals/{deal.pk}/recommendations")
    assert api.status_code == 200
    assert api.json()["items"][0]["asset_id"] == "CS-0101"
    client.force_login(other_rep)
    assert client.get(reverse("telemetry:deal_recommendations", args=[deal.pk])).status_code == 404
    assert client.get(f"/api/v1/deals/{deal.pk}/recommendations").status_code == 404


def test_one_click_shares_the_asset_on_the_deal(lift_example, client, rep):
    deal, a = lift_example["deal"], lift_example["a"]
    client.force_login(rep)
    url = reverse("telemetry:deal_recommendation_share", args=[deal.pk, a.asset_id])
    answer = client.post(url, headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert AssetUsage.objects.filter(deal=deal, asset=a, kind=UsageKind.SHARE).count() == 1
    assert "Shared on this deal" in answer.content.decode()


def test_the_deal_page_and_the_board_card_load_them_by_url(lift_example, client, rep):
    deal = lift_example["deal"]
    client.force_login(rep)
    url = reverse("telemetry:deal_recommendations", args=[deal.pk])
    assert f'hx-get="{url}"' in client.get(deal.get_absolute_url()).content.decode()
    assert f'hx-get="{url}?compact=1"' in client.get(reverse("pipeline:board")).content.decode()


def test_the_nightly_run_keeps_each_segments_best_assets_only(lift_example, monkeypatch):
    # Per segment by shrunk lift: A 0.3375; D and E (10 of 10) (10 + 5) / 20 - (40 + 5) / 100 = 0.30;
    # B 0.0926. Keeping 2 per segment keeps A then D (asset ids break the tie with E), never B or E,
    # and every segment's totals row still counts all its closed deals (100; Closing: the 50 won).
    monkeypatch.setattr("telemetry.metrics.segments.TOP_PER_SEGMENT", 2)
    telemetry_recompute(as_of=AS_OF)
    rows = MetricSnapshot.objects.filter(as_of=AS_OF, metric=Metric.CONTENT_LIFT).exclude(dimension="all")
    kept = sorted({(r.details["asset_id"], r.position) for r in rows if not r.details.get("total")})
    assert kept == [(lift_example["a"].pk, 1), (lift_example["d"].pk, 2)]
    totals = {(r.period, r.segment): (r.numerator, r.denominator) for r in rows if r.details.get("total")}
    assert totals[("all", "healthcare")] == totals[("all", "GTX Pro")] == totals[("all", "Proposal")] == (50, 100)
    assert totals[("all", "Closing")] == (50, 50)
    # A stays first for the open deal, with the same evidence as when every row was kept.
    recs = recommendations_for(Deal.objects.select_related("account", "product").get(pk=lift_example["deal"].pk))
    assert recs.items[0].explanation == "Shared on 30 closed healthcare deals, 24 won — 80 % vs 37 % without"
