import pytest
from django.urls import reverse

from accounts.navigation import navigation_for

HOME = reverse("accounts:home")
TEAM = reverse("accounts:team")


def nav_labels(response) -> list[str]:
    return [link.label for link in response.context["nav_links"]]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("rep", ["Home", "Leads", "Deals", "Collateral", "Learning", "Updates"]),
        (
            "manager",
            ["Home", "My team", "Leads", "Deals", "Collateral", "Learning", "Updates", "Team learning", "Telemetry"],
        ),
        (
            "admin",
            [
                "Home",
                "Leads",
                "Deals",
                "Collateral",
                "Updates",
                "Team learning",
                "Lead quality",
                "Telemetry",
                "Admin",
                "API docs",
            ],
        ),
        ("marketing", ["Home", "Collateral", "Updates", "Lead quality", "Admin", "API docs"]),
    ],
)
def test_each_role_sees_its_navigation_and_only_it(client, request, persona, expected):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.get(HOME)
    assert response.status_code == 200
    assert nav_labels(response) == expected
    page = response.content.decode()
    for link in navigation_for(user):
        assert f'href="{link.url}"' in page


def test_every_navigation_entry_opens_for_its_roles(client, rep, manager, admin, marketing):
    for user in (rep, manager, admin, marketing):
        client.force_login(user)
        for link in navigation_for(user):
            assert client.get(link.url).status_code == 200, (user.role, link.url)


@pytest.mark.django_db
@pytest.mark.parametrize("url", [HOME, TEAM, reverse("password_change")])
def test_anonymous_users_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_home_shows_the_profile(client, rep):
    client.force_login(rep)
    page = client.get(HOME).content.decode()
    assert rep.team.name in page
    assert str(rep.manager) in page


def test_a_rep_has_no_team_page(client, rep):
    client.force_login(rep)
    assert client.get(TEAM).status_code == 403


def test_a_manager_sees_their_team_and_not_another(client, manager, rep, teammate, other_rep):
    client.force_login(manager)
    response = client.get(TEAM)
    members = list(response.context["members"])
    assert set(members) == {rep, teammate}
    assert str(other_rep) not in response.content.decode()


def test_the_team_page_stays_flat_as_the_team_grows(client, manager, django_assert_max_num_queries):
    from tests.accounts.factories import UserFactory

    UserFactory.create_batch(25, team=manager.team, manager=manager)
    client.force_login(manager)
    with django_assert_max_num_queries(6):
        assert client.get(TEAM).status_code == 200


def test_logout_is_a_post_and_ends_the_session(client, rep):
    client.force_login(rep)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(HOME).status_code == 302


def test_password_change_applies_the_validators(client, rep):
    from tests.accounts.factories import PASSWORD

    client.force_login(rep)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "short1!", "new_password2": "short1!"},
    )
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    rep.refresh_from_db()
    assert rep.check_password(PASSWORD)
