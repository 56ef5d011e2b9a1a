from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db.models import Max, Min
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, Team, User
from collateral.models import AssetUsage, AssetVersion
from leads.models import Lead, LeadEvent, LeadRejection
from pipeline.models import OPEN_STAGES, Deal, DealStageChange
from telemetry.models import TelemetryRun
from training.models import CallReview, ModuleProgress, Update


def snapshot() -> dict:
    users = list(User.objects.order_by("username").values().exclude())
    for row in users:
        row.pop("last_login")
    return {
        "users": users,
        "teams": list(Team.objects.order_by("name").values()),
        "groups": sorted(User.objects.values_list("username", "groups__name")),
    }


@pytest.mark.django_db
def test_load_demo_twice_leaves_the_same_data(capsys):
    call_command("load_demo")
    first = snapshot()
    call_command("load_demo")
    assert snapshot() == first


@pytest.mark.django_db
def test_load_demo_makes_teams_people_and_prints_their_logins(capsys, client):
    call_command("load_demo")
    out = capsys.readouterr().out
    assert Team.objects.count() == 6
    assert User.objects.filter(role=Role.REP).count() == 35
    assert User.objects.filter(role=Role.MANAGER).count() == 6
    assert User.objects.filter(role=Role.ENABLEMENT_ADMIN).exists()
    assert User.objects.filter(role=Role.MARKETING_OPS).exists()
    # Every rep has a manager on the same team, and start dates spread over two years.
    reps = User.objects.filter(role=Role.REP).select_related("manager")
    assert all(r.manager and r.manager.team_id == r.team_id for r in reps)
    starts = sorted(r.start_date for r in reps)
    assert 600 <= (starts[-1] - starts[0]).days <= 730
    assert Group.objects.get(name="Sales rep").user_set.count() == 35
    assert "enablement" in out and "marketing" in out and "password" in out


@pytest.mark.django_db
def test_the_printed_demo_login_works(client, capsys):
    from accounts.demo import DEMO_PASSWORD

    call_command("load_demo")
    response = client.post("/login/", {"username": "enablement", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


# ---------------------------------------------------------------------------
# The demo is dated from the day it loads
# ---------------------------------------------------------------------------
def end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time(0)))


def assert_dated_from(day: date) -> None:
    """Every app's demo rows fall in the weeks before `day`, and none after it."""
    end, recent = end_of(day), end_of(day) - timedelta(days=8)
    demo_deals = Deal.objects.filter(external_id__startswith="demo-")
    entered = demo_deals.aggregate(first=Min("stage_entered_at"), last=Max("stage_entered_at"))
    assert recent <= entered["last"] <= end and entered["first"] > end - timedelta(days=400)
    assert not demo_deals.filter(stage__in=OPEN_STAGES, expected_close_date__lte=day).exists()
    assert DealStageChange.objects.filter(deal__in=demo_deals).aggregate(last=Max("at"))["last"] <= end
    received = Lead.objects.aggregate(first=Min("received_at"), last=Max("received_at"))
    assert recent <= received["last"] < end and received["first"] >= end - timedelta(days=22)
    assert LeadEvent.objects.aggregate(last=Max("at"))["last"] < end
    assert all(
        end - timedelta(days=22) <= at < end for at in LeadRejection.objects.values_list("received_at", flat=True)
    )
    usage = AssetUsage.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert recent <= usage["last"] < end
    assert AssetVersion.objects.aggregate(last=Max("published_at"))["last"] < end
    published = Update.objects.aggregate(last=Max("published_at"))["last"]
    assert recent <= published < end
    assert ModuleProgress.objects.aggregate(last=Max("started_at"))["last"] < end
    assert day - timedelta(days=30) < CallReview.objects.aggregate(last=Max("call_date"))["last"] < day
    starts = User.objects.filter(role=Role.REP).aggregate(last=Max("start_date"))["last"]
    assert day - timedelta(days=30) < starts <= day
    assert TelemetryRun.objects.filter(trigger="demo").latest("as_of").as_of == day


@pytest.mark.django_db
def test_load_demo_on_two_days_dates_the_data_from_each(capsys):
    call_command("load_demo", date="2026-03-15")
    assert_dated_from(date(2026, 3, 15))
    # The same database loaded again a few months later: the demo moves to the new day.
    call_command("load_demo", date="2026-07-01")
    assert_dated_from(date(2026, 7, 1))
    # 36 reviews and 36 linted calls: the earlier day's were replaced, not kept beside.
    assert CallReview.objects.count() == 72


@pytest.mark.django_db
def test_a_bad_date_is_refused():
    with pytest.raises(CommandError, match="not a date"):
        call_command("load_demo", date="15/03/2026")


@pytest.mark.django_db
def test_on_the_day_it_loads_the_pages_have_recent_data_and_no_negative_ages(client, capsys):
    call_command("load_demo")
    now = timezone.now()
    assert not Deal.objects.filter(stage_entered_at__gt=now).exists()
    assert not Lead.objects.filter(received_at__gt=now).exists()
    assert not AssetUsage.objects.filter(created_at__gt=now).exists()

    client.force_login(User.objects.get(username="marketing"))
    report = client.get(reverse("leads:quality")).context["report"]
    assert report.rows and sum(row.received for row in report.rows) > 40
    assert "No leads in the last 30 days" not in client.get(reverse("leads:quality")).content.decode()

    client.force_login(User.objects.get(username="enablement"))
    tables = {table.slug: table for table in client.get(reverse("telemetry:dashboard")).context["board"].tables}
    assert all(table.rows for table in tables.values()), [slug for slug, t in tables.items() if not t.rows]
    content = tables["content"].rows
    assert any(row.denominator > 0 for row in content)  # uses on deals that closed: win rates
    assert any(row.details["lift"] is not None for row in content)

    client.force_login(User.objects.get(username="cara.losch"))
    board = client.get(reverse("pipeline:board")).context["board"]
    days = [card.days for column in board.columns for card in column.cards]
    assert days and min(days) >= 0
