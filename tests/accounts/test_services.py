import pytest
from django.core.exceptions import ValidationError

from accounts.models import Role, Team, User
from accounts.roles import role_group_name
from accounts.services import team_get_or_create, team_name_for, user_create, username_for

pytestmark = pytest.mark.django_db


def test_user_create_gives_the_role_its_group_and_no_usable_password():
    team = team_get_or_create(name="Central · Brinkmann", region="Central")

    user = user_create(username="anna.snelling", full_name="Anna  van Snelling", role=Role.REP, team=team)

    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.team, user.role) == ("Anna", "van Snelling", team, Role.REP)
    assert list(user.groups.values_list("name", flat=True)) == [role_group_name(Role.REP)]
    assert not user.has_usable_password()


def test_user_create_keeps_a_given_password_hash():
    user = user_create(username="erin", full_name="Erin Admin", role=Role.ENABLEMENT_ADMIN, password_hash="x$1")
    assert User.objects.get(pk=user.pk).password == "x$1"
    assert user.is_staff


def test_user_create_refuses_a_username_in_use_and_stores_nothing_more(rep):
    with pytest.raises(ValidationError):
        user_create(username=rep.username, full_name="Someone Else", role=Role.REP)
    assert User.objects.filter(username=rep.username).count() == 1


def test_team_get_or_create_makes_a_team_once_and_keeps_its_region():
    first = team_get_or_create(name="East · Losch", region="East")
    again = team_get_or_create(name="East · Losch", region="Elsewhere")
    assert again.pk == first.pk
    assert list(Team.objects.values_list("name", "region")) == [("East · Losch", "East")]


def test_names_from_a_crm_export_follow_one_formula():
    assert username_for(" Cara  Losch ") == "cara.losch"
    assert team_name_for(office="Central", manager_name="Dustin Brinkmann") == "Central · Brinkmann"
