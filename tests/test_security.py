import re

import pytest
from django.urls import reverse

from tests.accounts.factories import PASSWORD

NONCE = re.compile(r"script-src [^;]*'nonce-([A-Za-z0-9+/=]+)'")


def assert_csp_with_nonce(response) -> None:
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    assert NONCE.search(policy), policy


def assert_no_inline_script(html: str) -> None:
    # Scripts are files (with the nonce) or JSON data blocks; never inline code or on…= handlers.
    for tag, body in re.findall(r"(<script\b[^>]*>)(.*?)</script>", html, flags=re.S):
        assert "src=" in tag or 'type="application/json"' in tag, tag
        assert "src=" not in tag or not body.strip(), tag
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "url_name"),
    [
        (None, "login"),
        ("rep", "accounts:home"),
        ("rep", "password_change"),
        ("manager", "accounts:team"),
        ("admin", "admin:index"),
        ("admin", "admin:accounts_user_changelist"),
        ("marketing", "admin:accounts_apikey_add"),
        (None, "api:openapi-view"),
    ],
)
def test_every_html_page_carries_a_csp_with_a_nonce(client, request, persona, url_name):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert_csp_with_nonce(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "url_name"), [(None, "login"), ("rep", "accounts:home"), ("manager", "accounts:team")]
)
def test_our_pages_use_the_nonce_and_no_inline_script(client, request, persona, url_name):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse(url_name))
    nonce = NONCE.search(response["Content-Security-Policy"]).group(1)
    html = response.content.decode()
    assert f'nonce="{nonce}"' in html
    assert_no_inline_script(html)


def test_five_wrong_passwords_are_wrong_and_the_sixth_is_locked_out(client, rep):
    for _ in range(5):
        response = client.post(reverse("login"), {"username": rep.username, "password": "not-the-password"})
        assert response.status_code == 200
        assert "correct username and password" in response.content.decode()
    response = client.post(reverse("login"), {"username": rep.username, "password": "not-the-password"})
    assert response.status_code == 429
    assert "Try again in" in response.content.decode()
    # Locked out means locked out: even the right password is refused during the cool-off.
    response = client.post(reverse("login"), {"username": rep.username, "password": PASSWORD})
    assert response.status_code == 429


def test_the_lockout_cools_off(client, rep, settings):
    from datetime import timedelta

    from axes.models import AccessAttempt
    from django.utils import timezone

    for _ in range(6):
        client.post(reverse("login"), {"username": rep.username, "password": "not-the-password"})
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    response = client.post(reverse("login"), {"username": rep.username, "password": PASSWORD})
    assert response.status_code == 302


def test_a_right_password_resets_the_count(client, rep):
    for _ in range(4):
        client.post(reverse("login"), {"username": rep.username, "password": "not-the-password"})
    client.post(reverse("login"), {"username": rep.username, "password": PASSWORD})
    client.post(reverse("logout"))
    for _ in range(5):
        response = client.post(reverse("login"), {"username": rep.username, "password": "not-the-password"})
    assert response.status_code == 200


def test_favicon_ico_points_at_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("/static/favicon.svg")
