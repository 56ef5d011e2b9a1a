"""A new deal, from the page and from `POST /api/v1/deals`: who may create one for whom, and what is refused."""

import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.services import api_key_create
from pipeline.models import Account, Deal, DealStageChange, Event, Product, Stage
from pipeline.services import deal_create_for

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"

# (creator, owner, UI answer, API answer): a rep for themselves only; a manager for their team;
# an admin for anyone who sells; another team's person is not found.
MATRIX = [
    ("rep", "rep", 302, 201),
    ("rep", "teammate", 403, 403),
    ("rep", "other_rep", 403, 403),
    ("manager", "rep", 302, 201),
    ("manager", "manager", 302, 201),
    ("manager", "other_rep", 404, 404),
    ("other_manager", "rep", 404, 404),
    ("admin", "other_rep", 302, 201),
    ("admin", "rep", 302, 201),
]


def form_data(owner, **extra):
    return {
        "owner": owner.pk,
        "account": "Globex Corporation",
        "product": Product.objects.get(name="MG Advanced").pk,
        "name": "",
        "amount": "3393.00",
        "currency": "EUR",
        "expected_close_date": "2027-02-15",
        **extra,
    }


def api_body(owner, **extra):
    return {
        "owner": owner.username,
        "account": "Globex Corporation",
        "product": "mg advanced",
        "amount": "3393.00",
        "currency": "EUR",
        "expected_close_date": "2027-02-15",
        **extra,
    }


@pytest.fixture
def api(client):
    def as_person(user, scopes=("deals:read", "deals:write")):
        _, token = api_key_create(name=f"key of {user.username}", scopes=list(scopes), acts_for=user, created_by=user)

        def post(body):
            return client.post(
                "/api/v1/deals", json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
            )

        return post

    return as_person


def assert_created(owner, by):
    deal = Deal.objects.select_related("account", "product").get()
    assert (deal.owner, deal.team, deal.stage, deal.source) == (owner, owner.team, Stage.LEAD_IN, "portal")
    assert (deal.account.name, deal.product.name, deal.amount, deal.currency) == (
        "Globex Corporation",
        "MG Advanced",
        Decimal("3393.00"),
        "EUR",
    )
    assert deal.expected_close_date == date(2027, 2, 15)
    assert deal.name == "Globex Corporation · MG Advanced"
    change = DealStageChange.objects.get(deal=deal)
    assert (change.from_stage, change.to_stage, change.event, change.by) == ("", Stage.LEAD_IN, Event.CREATED, by)
    return deal


@pytest.mark.parametrize(("creator", "owner", "ui", "_api"), MATRIX)
def test_the_new_deal_page_follows_the_permission_matrix(request, logged_in, creator, owner, ui, _api):
    by, owner_user = request.getfixturevalue(creator), request.getfixturevalue(owner)
    response = logged_in(by).post("/pipeline/deals/new/", form_data(owner_user))
    assert response.status_code == ui
    if ui == 302:
        deal = assert_created(owner_user, by)
        assert response["Location"] == f"/pipeline/deals/{deal.pk}/"
    else:
        assert not Deal.objects.exists() and not Account.objects.filter(name="Globex Corporation").exists()


@pytest.mark.parametrize(("creator", "owner", "_ui", "status"), MATRIX)
def test_post_deals_follows_the_permission_matrix(request, api, creator, owner, _ui, status):
    by, owner_user = request.getfixturevalue(creator), request.getfixturevalue(owner)
    response = api(by)(api_body(owner_user))
    assert response.status_code == status, response.content
    if status == 201:
        deal = assert_created(owner_user, by)
        body = response.json()
        assert (body["id"], body["product"], body["stage"], body["owner"]) == (
            deal.pk,
            "MG Advanced",
            "LeadIn",
            owner_user.username,
        )
    else:
        assert response["Content-Type"] == PROBLEM and not Deal.objects.exists()
    if status == 403:
        assert "for themselves only" in response.json()["detail"]


def offered_owners(client) -> set[int]:
    page = client.get("/pipeline/deals/new/").content.decode()
    select = re.search(r'<select name="owner".*?</select>', page, re.S).group(0)
    return {int(pk) for pk in re.findall(r'value="(\d+)"', select)}


def test_the_page_offers_a_rep_only_themselves_and_a_manager_their_team(rep, teammate, manager, other_rep, logged_in):
    assert offered_owners(logged_in(rep)) == {rep.pk}
    assert offered_owners(logged_in(manager)) == {rep.pk, teammate.pk, manager.pk}


def test_marketing_may_not_create_deals(marketing, logged_in, api, rep):
    assert logged_in(marketing).get("/pipeline/deals/new/").status_code == 403
    assert api(marketing)(api_body(marketing)).status_code == 403


def test_a_key_without_deals_write_may_not_create(rep, api):
    assert api(rep, scopes=("deals:read",))(api_body(rep)).status_code == 403
    assert not Deal.objects.exists()


def test_a_typod_product_is_refused_with_the_nearest_name_over_the_api(rep, api):
    response = api(rep)(api_body(rep, product="GTXPro"))
    assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    errors = response.json()["errors"]
    assert errors[0]["path"] == "product"
    assert "'GTXPro' is not a product of the list; did you mean 'GTX Pro'" in errors[0]["message"]
    assert not Deal.objects.exists() and not Product.objects.filter(name__iexact="GTXPro").exists()


def test_a_product_nothing_like_the_list_is_refused_naming_the_list(rep, api):
    response = api(rep)(api_body(rep, product="Zebra"))
    assert response.status_code == 422
    assert "GTX Basic" in response.json()["errors"][0]["message"]


def test_a_typod_product_cannot_reach_the_page_either(rep, logged_in):
    response = logged_in(rep).post("/pipeline/deals/new/", form_data(rep, product="GTXPro"))
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert not Deal.objects.exists()


def test_a_retired_product_is_not_offered(rep, api, logged_in):
    Product.objects.filter(name="MG Advanced").update(is_active=False)
    assert api(rep)(api_body(rep)).status_code == 422
    assert logged_in(rep).post("/pipeline/deals/new/", form_data(rep)).status_code == 422
    assert not Deal.objects.exists()


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"amount": "-1"}, "amount"),
        ({"currency": "euro"}, "currency"),
        ({"expected_close_date": "2027-02-30"}, "expected_close_date"),
        ({"account": ""}, "account"),
    ],
)
def test_post_deals_answers_422_with_the_field_path(rep, api, change, path):
    response = api(rep)(api_body(rep, **change))
    assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    assert path in [error["path"] for error in response.json()["errors"]]
    assert not Deal.objects.exists()


def test_the_page_shows_what_is_wrong_and_where(rep, logged_in):
    response = logged_in(rep).post("/pipeline/deals/new/", form_data(rep, amount="-5", expected_close_date=""))
    assert response.status_code == 422
    content = response.content.decode()
    assert "Ensure this value is greater than or equal to 0" in content and "This field is required" in content
    assert not Deal.objects.exists()


def test_an_existing_account_is_picked_whatever_its_case(rep, api):
    account = Account.objects.create(name="Globex Corporation", industry="retail")
    assert api(rep)(api_body(rep, account="  globex   corporation ")).status_code == 201
    assert Deal.objects.get().account == account and Account.objects.count() == 1


def test_an_owner_who_does_not_sell_is_refused(admin, marketing):
    with pytest.raises(ValidationError) as refused:
        deal_create_for(
            by=admin,
            owner=marketing,
            account_name="Globex Corporation",
            product=Product.objects.get(name="GTX Pro"),
            amount=Decimal("1"),
        )
    assert "owner" in refused.value.message_dict and not Deal.objects.exists()


def test_the_list_and_the_board_link_the_new_deal_page(rep, logged_in):
    client = logged_in(rep)
    assert 'href="/pipeline/deals/new/"' in client.get("/pipeline/deals/").content.decode()
    assert 'href="/pipeline/deals/new/"' in client.get("/pipeline/board/").content.decode()
