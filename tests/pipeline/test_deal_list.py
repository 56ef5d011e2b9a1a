"""The deal list (/pipeline/deals/): search, every filter of the shared contract, sorting, keyset
pages, its CSV; and the board's "load more", which reaches every open deal of a big team."""

import csv
import io
import random
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from pipeline.models import OPEN_STAGES, Account, Deal, DealStageChange, Event, Product, Stage, StageSetting
from tests.pipeline.factories import DealFactory, product_named

pytestmark = pytest.mark.django_db
COUNT = re.compile(r'<output id="deal-count">(\d+)</output>')
ROW = re.compile(r'<tr data-deal="(\d+)"')
NEXT = re.compile(r'href="\?([^"]*after=[^"]+)" rel="next"')


def listed(client, query: str = "") -> tuple[int, list[int]]:
    response = client.get(f"/pipeline/deals/?{query}")
    assert response.status_code == 200, response.content
    content = response.content.decode()
    return int(COUNT.search(content).group(1)), [int(pk) for pk in ROW.findall(content)]


@pytest.fixture
def deals(rep, teammate, other_rep):
    """Deals of every kind: open, won and lost; of two products, three industries, two teams."""
    now = timezone.now()
    acme = Account.objects.create(name="Acme Corporation", industry="software")
    globex = Account.objects.create(name="Globex", industry="retail")
    initech = Account.objects.create(name="Initech", industry="finance")
    month = timezone.localdate().replace(day=1) + timedelta(days=40)
    made = {
        "open": DealFactory(owner=rep, account=acme, name="Acme renewal", product="GTX Pro"),
        "rotting": DealFactory(
            owner=rep,
            account=globex,
            name="Globex pilot",
            product="MG Special",
            stage=Stage.DISCOVERY,
            stage_entered_at=now - timedelta(days=60),
            expected_close_date=month,
        ),
        "won": DealFactory(
            owner=rep,
            account=initech,
            name="Initech expansion",
            stage=Stage.CLOSED_WON,
            closed_at=now - timedelta(days=10),
        ),
        "lost": DealFactory(
            owner=rep, account=acme, name="Acme upsell", stage=Stage.CLOSED_LOST, closed_at=now - timedelta(days=40)
        ),
        "teammate": DealFactory(owner=teammate, account=globex, name="Globex rollout"),
        "other": DealFactory(owner=other_rep, account=initech, name="Initech other team"),
    }
    # The won deal went through Discovery and Closing on its way (history rows), the open one did not.
    for stage in (Stage.DISCOVERY, Stage.CLOSING):
        DealStageChange.objects.create(deal=made["won"], from_stage="", to_stage=stage, event=Event.QUALIFY)
    return made


def test_a_rep_lists_their_own_deals_open_and_closed(rep, logged_in, deals):
    total, rows = listed(logged_in(rep))
    assert total == 4
    assert set(rows) == {deals[k].pk for k in ("open", "rotting", "won", "lost")}


def test_a_manager_lists_the_team_and_an_admin_everyone(manager, admin, logged_in, deals):
    total, rows = listed(logged_in(manager))
    assert total == 5 and deals["other"].pk not in rows
    total, rows = listed(logged_in(admin))
    assert total == 6


def test_the_search_finds_deal_and_account_names_in_any_case(manager, logged_in, deals):
    client = logged_in(manager)
    assert set(listed(client, "q=RENEWAL")[1]) == {deals["open"].pk}
    # By account: "globex" is the account of the rotting deal and of the teammate's.
    assert set(listed(client, "q=globex")[1]) == {deals["rotting"].pk, deals["teammate"].pk}
    # Another team's deal is never found.
    assert listed(client, "q=other+team") == (0, [])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("stage=ClosedWon", {"won"}),
        ("stage=ClosedWon&stage=ClosedLost", {"won", "lost"}),
        ("stage=Discovery", {"rotting"}),
        ("industry=SOFTWARE", {"open", "lost"}),
        ("rotting=1", {"rotting"}),
        ("reached=Closing", {"won"}),
        ("reached=LeadIn", {"open", "teammate"}),
        ("sort=name&stage=LeadIn", {"open", "teammate"}),
    ],
)
def test_each_filter_narrows_the_list(manager, logged_in, deals, query, expected):
    total, rows = listed(logged_in(manager), query)
    assert set(rows) == {deals[k].pk for k in expected} and total == len(expected)


def test_the_owner_team_and_product_filters_take_ids(manager, admin, teammate, team, logged_in, deals):
    client = logged_in(manager)
    assert set(listed(client, f"owner={teammate.pk}")[1]) == {deals["teammate"].pk}
    product = Product.objects.get(name="MG Special")
    assert set(listed(client, f"product={product.pk}")[1]) == {deals["rotting"].pk}
    client = logged_in(admin)
    assert deals["other"].pk not in listed(client, f"team={team.pk}")[1]
    assert listed(client, f"team={team.pk}")[0] == 5


def test_the_close_month_and_closed_dates_filter(rep, logged_in, deals):
    client = logged_in(rep)
    month = deals["rotting"].expected_close_date.strftime("%Y-%m")
    assert set(listed(client, f"close_month={month}")[1]) == {deals["rotting"].pk}
    won_day = timezone.localtime(deals["won"].closed_at).date()
    query = f"closed_from={won_day.isoformat()}&closed_to={(won_day + timedelta(days=1)).isoformat()}"
    assert set(listed(client, query)[1]) == {deals["won"].pk}
    # End-exclusive: the day the deal closed is not before itself.
    assert listed(client, f"closed_to={won_day.isoformat()}&stage=ClosedWon")[0] == 0


def test_a_rep_cannot_widen_the_list_with_another_owner(rep, other_rep, logged_in, deals):
    # The owner filter is not a rep's: the parameter is ignored, the list stays theirs.
    total, rows = listed(logged_in(rep), f"owner={other_rep.pk}")
    assert total == 4 and deals["other"].pk not in rows


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("stage=Nowhere", "stage"),
        ("close_month=2026-13", "close_month"),
        ("closed_from=2026-05-01&closed_to=2026-04-01", "closed_to"),
        ("product=999999", "product"),
        ("sort=random", "sort"),
        ("after=bm9wZQ", "after"),
    ],
)
def test_a_bad_filter_says_what_is_wrong_and_lists_nothing(manager, logged_in, deals, query, field):
    response = logged_in(manager).get(f"/pipeline/deals/?{query}")
    assert response.status_code == 400
    content = response.content.decode()
    assert '<output id="deal-count">0</output>' in content
    assert "field-invalid" in content or "form-errors" in content


def test_the_rows_show_money_with_its_currency_and_rotting(rep, logged_in, deals):
    Deal.objects.filter(pk=deals["open"].pk).update(currency="EUR", amount=Decimal("214144.00"))
    content = logged_in(rep).get("/pipeline/deals/").content.decode()
    assert "€214,144" in content and "214144.00" not in content
    assert f'<tr data-deal="{deals["rotting"].pk}" class="rotting">' in content


def test_the_csv_is_the_filtered_list(manager, logged_in, deals):
    response = logged_in(manager).get("/pipeline/deals/export.csv?stage=ClosedWon&stage=ClosedLost&sort=name")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["name"] for r in rows] == ["Acme upsell", "Initech expansion"]
    assert rows[1]["stage"] == "Closed won" and rows[1]["product"] == "GTX Pro"


def test_the_csv_refuses_a_bad_filter(manager, logged_in):
    assert logged_in(manager).get("/pipeline/deals/export.csv?close_month=nope").status_code == 400


# ---------------------------------------------------------------------------
# Keyset pages at 2,000 deals
# ---------------------------------------------------------------------------
@pytest.fixture
def many_deals(rep, teammate):
    """2,000 deals of a team, with ties in every sort key and NULL close dates."""
    rng = random.Random(12)
    now = timezone.now()
    account = Account.objects.create(name="Big Co", industry="software")
    products = [product_named("GTX Pro"), product_named("MG Special")]
    stages = [Stage.LEAD_IN, Stage.DISCOVERY, Stage.PROPOSAL, Stage.CLOSED_WON, Stage.CLOSED_LOST]
    rows = []
    for number in range(2000):
        owner = rep if number % 2 else teammate
        stage = stages[number % len(stages)]
        created = now - timedelta(days=rng.randrange(30), hours=rng.randrange(3))
        rows.append(
            Deal(
                name=f"Deal {rng.randrange(300):03d}",
                account=account,
                owner=owner,
                team=owner.team,
                amount=Decimal(rng.randrange(10) * 1000),
                product=products[number % 2],
                stage=stage,
                stage_entered_at=created,
                created_at=created,
                expected_close_date=None if number % 3 == 0 else date(2027, 1, 1) + timedelta(days=rng.randrange(20)),
                closed_at=created if stage in (Stage.CLOSED_WON, Stage.CLOSED_LOST) else None,
            )
        )
    Deal.objects.bulk_create(rows)
    return set(Deal.objects.values_list("pk", flat=True))


def every_page(client, query: str) -> list[int]:
    seen: list[int] = []
    while True:
        response = client.get(f"/pipeline/deals/?{query}")
        assert response.status_code == 200
        content = response.content.decode()
        seen += [int(pk) for pk in ROW.findall(content)]
        found = NEXT.search(content)
        if not found:
            return seen
        query = found.group(1).replace("&amp;", "&")


@pytest.mark.parametrize("sort", ["-created", "name", "-amount", "close", "-closed"])
def test_keyset_pages_list_every_deal_once_in_every_sort(manager, logged_in, many_deals, sort):
    seen = every_page(logged_in(manager), f"sort={sort}")
    assert len(seen) == len(set(seen)) == 2000
    assert set(seen) == many_deals


def test_keyset_pages_of_a_filtered_list_list_every_match_once(manager, logged_in, many_deals):
    client = logged_in(manager)
    total, _ = listed(client, "stage=ClosedWon&stage=LeadIn&sort=close")
    seen = every_page(client, "stage=ClosedWon&stage=LeadIn&sort=close")
    assert len(seen) == len(set(seen)) == total == 800


def test_a_deal_created_between_pages_neither_repeats_nor_hides_a_row(manager, rep, logged_in, many_deals):
    client = logged_in(manager)
    first = client.get("/pipeline/deals/").content.decode()
    shown = [int(pk) for pk in ROW.findall(first)]
    DealFactory(owner=rep, name="Newest")
    rest = every_page(client, NEXT.search(first).group(1).replace("&amp;", "&"))
    assert len(set(shown) | set(rest)) == len(shown) + len(rest) == 2000


def test_the_list_runs_a_fixed_number_of_queries_per_page(
    manager, logged_in, many_deals, django_assert_max_num_queries
):
    client = logged_in(manager)
    first = client.get("/pipeline/deals/?q=deal&rotting=1&reached=LeadIn").content.decode()
    with django_assert_max_num_queries(9):
        assert client.get("/pipeline/deals/?sort=name").status_code == 200
    query = NEXT.search(client.get("/pipeline/deals/?sort=name").content.decode()).group(1).replace("&amp;", "&")
    with django_assert_max_num_queries(9):
        assert client.get(f"/pipeline/deals/?{query}").status_code == 200
    assert first


# ---------------------------------------------------------------------------
# The board: "load more" reaches every open deal
# ---------------------------------------------------------------------------
CARD = re.compile(r'<li class="deal-card[^"]*" data-deal="(\d+)"')
MORE = re.compile(r'hx-get="(/pipeline/board/columns/(\w+)/\?[^"]*)"')


@pytest.fixture
def open_team_deals(rep, teammate):
    """2,000 open deals of one team, spread over the five open stages, with ties in stage_entered_at."""
    now = timezone.now()
    account = Account.objects.create(name="Board Co")
    product = product_named("GTX Pro")
    stages = [Stage.LEAD_IN, Stage.DISCOVERY, Stage.TECHNICAL_DEMO, Stage.PROPOSAL, Stage.CLOSING]
    Deal.objects.bulk_create(
        Deal(
            name=f"Open {n}",
            account=account,
            owner=rep if n % 2 else teammate,
            team=rep.team,
            product=product,
            amount=Decimal(1000),
            stage=stages[n % 5],
            stage_entered_at=now - timedelta(days=n % 40),
        )
        for n in range(2000)
    )
    return set(Deal.objects.values_list("pk", flat=True))


def test_load_more_reaches_every_open_deal_of_the_team(manager, logged_in, open_team_deals):
    client = logged_in(manager)
    board = client.get("/pipeline/board/").content.decode()
    seen = [int(pk) for pk in CARD.findall(board)]
    assert len(seen) == 125  # 25 per column
    pending = [url.replace("&amp;", "&") for url, _stage in MORE.findall(board)]
    assert len(pending) == 5
    while pending:
        response = client.get(pending.pop(), HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        content = response.content.decode()
        seen += [int(pk) for pk in CARD.findall(content)]
        pending += [url.replace("&amp;", "&") for url, _stage in MORE.findall(content)]
    assert len(seen) == len(set(seen)) == 2000
    assert set(seen) == open_team_deals


def test_the_board_counts_rotting_deals_and_filters_to_them(manager, logged_in, open_team_deals):
    StageSetting.objects.update(rotting_after_days=30)
    client = logged_in(manager)
    board = client.get("/pipeline/board/").content.decode()
    # More than 30 whole days in the stage: days 31..39 of every 40.
    old = Deal.objects.filter(stage_entered_at__lte=timezone.now() - timedelta(days=31))
    per_stage = [old.filter(stage=stage).count() for stage in OPEN_STAGES]
    assert sum(per_stage) == 450
    assert re.findall(r'<p class="column-rotting">(\d+) rotting</p>', board) == [str(n) for n in per_stage]
    board = client.get("/pipeline/board/?rotting=on").content.decode()
    assert re.findall(r'<span class="count" data-count>(\d+)</span>', board) == [str(n) for n in per_stage]
    seen = set(map(int, CARD.findall(board)))
    pending = [url.replace("&amp;", "&") for url, _stage in MORE.findall(board)]
    while pending:
        content = client.get(pending.pop(), HTTP_HX_REQUEST="true").content.decode()
        seen |= set(map(int, CARD.findall(content)))
        pending += [url.replace("&amp;", "&") for url, _stage in MORE.findall(content)]
    assert seen == set(old.values_list("pk", flat=True))


def test_the_board_and_load_more_keep_their_query_counts(
    manager, logged_in, open_team_deals, django_assert_max_num_queries
):
    client = logged_in(manager)
    client.get("/pipeline/board/")
    with django_assert_max_num_queries(8):
        board = client.get("/pipeline/board/").content.decode()
    url = MORE.findall(board)[0][0].replace("&amp;", "&")
    with django_assert_max_num_queries(7):
        assert client.get(url, HTTP_HX_REQUEST="true").status_code == 200


def test_load_more_without_javascript_is_a_page(manager, logged_in, open_team_deals):
    response = logged_in(manager).get("/pipeline/board/columns/LeadIn/")
    assert response.status_code == 200 and len(CARD.findall(response.content.decode())) == 25


def test_load_more_of_no_column_or_a_bad_cursor_is_refused(manager, logged_in):
    client = logged_in(manager)
    assert client.get("/pipeline/board/columns/ClosedWon/").status_code == 404
    assert client.get("/pipeline/board/columns/LeadIn/?after=bad").status_code == 400
