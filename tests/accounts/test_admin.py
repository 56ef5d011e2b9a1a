"""The user admin keeps privileges with superusers: an enablement admin manages people and
their portal roles, but cannot grant superuser, permissions, groups or admin roles, and
never reaches a superuser."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from accounts.models import Role, User
from accounts.roles import role_group_name
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

PRIVILEGE_FIELDS = ("is_superuser", "user_permissions", "groups")


@pytest.fixture
def superuser(db) -> User:
    return UserFactory(username="root", role=Role.REP, team=None, is_superuser=True)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def change_url(user: User) -> str:
    return f"/admin/accounts/user/{user.pk}/change/"


def change_data(user: User, **overrides) -> dict:
    """The user's change form as the browser would post it, plus `overrides`."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "team": user.team_id or "",
        "manager": user.manager_id or "",
        "start_date": user.start_date.isoformat() if user.start_date else "",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def crafted_privileges() -> dict:
    return {
        "is_superuser": "on",
        "is_staff": "on",
        "user_permissions": [Permission.objects.get(codename="delete_user").pk],
        "groups": [Group.objects.get(name=role_group_name(Role.ENABLEMENT_ADMIN)).pk],
    }


def test_the_privilege_fields_are_absent_for_an_enablement_admin(admin, rep):
    response = signed_in(admin).get(change_url(rep))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert not set(PRIVILEGE_FIELDS) & set(form.fields)
    html = response.content.decode()
    assert 'name="is_superuser"' not in html and 'name="user_permissions"' not in html


def test_an_enablement_admin_may_give_only_roles_without_admin_access(admin, rep):
    form = signed_in(admin).get(change_url(rep)).context["adminform"].form
    assert [value for value, _ in form.fields["role"].choices] == [Role.REP, Role.MANAGER]
    add_form = signed_in(admin).get("/admin/accounts/user/add/").context["adminform"].form
    assert [value for value, _ in add_form.fields["role"].choices] == [Role.REP, Role.MANAGER]


def test_a_superuser_sees_and_sets_the_privilege_fields(superuser, rep):
    client = signed_in(superuser)
    form = client.get(change_url(rep)).context["adminform"].form
    assert {"is_superuser", "user_permissions"} <= set(form.fields)
    assert [value for value, _ in form.fields["role"].choices] == list(Role.values)

    response = client.post(change_url(rep), change_data(rep, **crafted_privileges()))
    assert response.status_code == 302, response.context["adminform"].form.errors
    rep.refresh_from_db()
    assert rep.is_superuser and rep.is_staff
    assert list(rep.user_permissions.values_list("codename", flat=True)) == ["delete_user"]
    # Groups follow the role, even for a superuser's edit.
    assert list(rep.groups.values_list("name", flat=True)) == [role_group_name(Role.REP)]


@pytest.mark.parametrize("target", ["rep", "admin"])
def test_a_crafted_post_with_privileges_is_ignored(request, admin, target):
    user = request.getfixturevalue(target)
    response = signed_in(admin).post(change_url(user), change_data(user, first_name="Renamed", **crafted_privileges()))
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.first_name == "Renamed"
    assert not user.is_superuser
    assert user.is_staff == (user.role == Role.ENABLEMENT_ADMIN)
    assert not user.user_permissions.exists()
    assert list(user.groups.values_list("name", flat=True)) == [role_group_name(user.role)]


def test_a_crafted_add_with_privileges_makes_a_plain_user(admin):
    response = signed_in(admin).post(
        "/admin/accounts/user/add/",
        {
            "username": "new.rep",
            "password1": "violet-harbour-engine-42",
            "password2": "violet-harbour-engine-42",
            "role": Role.REP,
            **crafted_privileges(),
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="new.rep")
    assert (user.is_superuser, user.is_staff, user.user_permissions.exists()) == (False, False, False)
    assert list(user.groups.values_list("name", flat=True)) == [role_group_name(Role.REP)]


@pytest.mark.parametrize("role", [Role.ENABLEMENT_ADMIN, Role.MARKETING_OPS])
def test_an_enablement_admin_cannot_give_an_admin_role(admin, rep, role):
    response = signed_in(admin).post(change_url(rep), change_data(rep, role=role))
    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["adminform"].form.errors["role"])
    rep.refresh_from_db()
    assert (rep.role, rep.is_staff) == (Role.REP, False)


def test_an_enablement_admin_still_manages_portal_roles(admin, rep):
    response = signed_in(admin).post(change_url(rep), change_data(rep, role=Role.MANAGER))
    assert response.status_code == 302, response.context["adminform"].form.errors
    rep.refresh_from_db()
    assert rep.role == Role.MANAGER
    assert list(rep.groups.values_list("name", flat=True)) == [role_group_name(Role.MANAGER)]


def test_an_enablement_admin_never_reaches_a_superuser(admin, superuser):
    client = signed_in(admin)
    assert superuser.username not in client.get("/admin/accounts/user/").content.decode()
    # The admin answers an object outside its queryset as missing: back to the index, nothing shown.
    response = client.get(change_url(superuser))
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert client.get(f"/admin/accounts/user/{superuser.pk}/password/").status_code == 404
    # Enablement admins delete nobody (the role has no delete_user permission).
    assert client.get(f"/admin/accounts/user/{superuser.pk}/delete/").status_code == 403

    before = (superuser.password, superuser.is_active, superuser.first_name)
    client.post(
        f"/admin/accounts/user/{superuser.pk}/password/",
        {"password1": "violet-harbour-engine-42", "password2": "violet-harbour-engine-42"},
    )
    client.post(change_url(superuser), change_data(superuser, is_active="", first_name="Taken"))
    superuser.refresh_from_db()
    assert (superuser.password, superuser.is_active, superuser.first_name) == before
    assert User.objects.filter(pk=superuser.pk).exists()
