import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts.models import Role, Team, User


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
