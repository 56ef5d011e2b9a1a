"""Reassigning deals: one at a time on the deal page, many at once through the service (set-based)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pipeline.models import Deal, DealActivity
from pipeline.services import deal_reassign, deals_reassign
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_manager_reassigns_a_deal_on_its_page_and_access_follows_the_owner(client, manager, rep, teammate, make_deal):
    deal = make_deal(rep, name="Acme renewal")
    client.force_login(manager)
    response = client.post(
        f"/pipeline/deals/{deal.pk}/reassign/", {"new_owner": teammate.pk, "reason": "Alice is on leave"}
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.owner, deal.team) == (teammate, teammate.team)
    activity = DealActivity.objects.get(deal=deal)
    assert (activity.kind, activity.from_owner, activity.to_owner, activity.by, activity.note) == (
        DealActivity.Kind.REASSIGNED,
        rep,
        teammate,
        manager,
        "Alice is on leave",
    )
    page = client.get(f"/pipeline/deals/{deal.pk}/").content.decode()
    assert "Alice is on leave" in page
    client.force_login(rep)
    assert client.get(f"/pipeline/deals/{deal.pk}/").status_code == 404
    client.force_login(teammate)
    assert client.get(f"/pipeline/deals/{deal.pk}/").status_code == 200


def test_a_manager_cannot_reassign_another_teams_deal(client, manager, other_rep, teammate, make_deal):
    deal = make_deal(other_rep)
    client.force_login(manager)
    response = client.post(f"/pipeline/deals/{deal.pk}/reassign/", {"new_owner": teammate.pk, "reason": "Mine now"})
    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        deal_reassign(deal=deal, new_owner=teammate, reason="Mine now", by=manager)
    assert Deal.objects.get(pk=deal.pk).owner == other_rep
    assert not DealActivity.objects.exists()


def test_a_manager_cannot_give_a_deal_to_someone_outside_the_team(client, manager, rep, other_rep, make_deal):
    deal = make_deal(rep)
    client.force_login(manager)
    response = client.post(f"/pipeline/deals/{deal.pk}/reassign/", {"new_owner": other_rep.pk, "reason": "West"})
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    with pytest.raises(ValidationError) as refused:
        deal_reassign(deal=deal, new_owner=other_rep, reason="West", by=manager)
    assert "is not on your team" in str(refused.value.message_dict["new_owner"])
    assert Deal.objects.get(pk=deal.pk).owner == rep


def test_a_rep_cannot_reassign_even_their_own_deal(client, rep, teammate, make_deal):
    deal = make_deal(rep)
    client.force_login(rep)
    response = client.post(f"/pipeline/deals/{deal.pk}/reassign/", {"new_owner": teammate.pk, "reason": "Too busy"})
    assert response.status_code == 404
    assert "Change owner" not in client.get(f"/pipeline/deals/{deal.pk}/").content.decode()


def test_the_new_owner_must_be_an_active_rep_or_manager_and_a_reason_is_required(manager, rep, team, make_deal):
    deal = make_deal(rep)
    gone = UserFactory(username="gone.rep", team=team, is_active=False)
    with pytest.raises(ValidationError) as refused:
        deal_reassign(deal=deal, new_owner=gone, reason="", by=manager)
    assert set(refused.value.message_dict) == {"new_owner", "reason"}
    assert Deal.objects.get(pk=deal.pk).owner == rep


def test_an_admin_reassigns_across_teams_and_the_deal_joins_the_new_team(admin, rep, other_rep, make_deal):
    deal = make_deal(rep)
    deal_reassign(deal=deal, new_owner=other_rep, reason="Territory moved", by=admin)
    assert (deal.owner, deal.team) == (other_rep, other_rep.team)


def test_bulk_reassignment_records_a_row_per_deal_and_the_old_owner_loses_them(
    client, manager, rep, teammate, make_deal
):
    deals = [make_deal(rep) for _ in range(3)]
    kept = make_deal(teammate)
    moved = deals_reassign(
        deals=Deal.objects.filter(owner=rep) | Deal.objects.filter(pk=kept.pk),
        new_owner=teammate,
        reason="Alice left",
        by=manager,
    )
    # The deal teammate already owned is not counted nor given a row.
    assert moved == 3
    assert set(Deal.objects.filter(owner=teammate)) == {*deals, kept}
    assert DealActivity.objects.filter(kind="reassigned", note="Alice left", from_owner=rep).count() == 3
    client.force_login(rep)
    for deal in deals:
        assert client.get(f"/pipeline/deals/{deal.pk}/").status_code == 404
    client.force_login(teammate)
    assert all(client.get(f"/pipeline/deals/{d.pk}/").status_code == 200 for d in deals)


def test_bulk_reassignment_is_all_or_nothing(manager, rep, other_rep, teammate, make_deal):
    ours, theirs = make_deal(rep), make_deal(other_rep)
    with pytest.raises(PermissionDenied):
        deals_reassign(
            deals=Deal.objects.filter(pk__in=[ours.pk, theirs.pk]), new_owner=teammate, reason="x", by=manager
        )
    assert Deal.objects.get(pk=ours.pk).owner == rep
    assert not DealActivity.objects.exists()


@pytest.mark.parametrize("size", [5, 50])
def test_bulk_reassignment_takes_the_same_queries_for_any_number_of_deals(
    size, manager, rep, teammate, make_deal, django_assert_num_queries
):
    for _ in range(size):
        make_deal(rep)
    # Savepoint, the locked read, the permission count, one update, one insert, release.
    with django_assert_num_queries(6):
        assert deals_reassign(deals=Deal.objects.filter(owner=rep), new_owner=teammate, reason="x", by=manager) == size
