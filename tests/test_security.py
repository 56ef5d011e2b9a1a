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


@pytest.fixture
def sprayed_accounts(db) -> list:
    from tests.accounts.factories import UserFactory

    return [UserFactory(username=f"sprayed{n}") for n in range(25)]


def spray(client, accounts, guesses: int, **extra) -> list[int]:
    """`guesses` wrong passwords at every account, round-robin as a sprayer would; the status codes."""
    url = reverse("login")
    return [
        client.post(url, {"username": user.username, "password": f"Winter202{guess}!"}, **extra).status_code
        for guess in range(guesses)
        for user in accounts
    ]


def test_spraying_many_accounts_from_one_address_is_locked_at_the_address_limit(client, sprayed_accounts, settings):
    limit = settings.AXES_ADDRESS_FAILURE_LIMIT
    # Two guesses per account: far below the per-account limit, so only the address limit can stop it.
    assert settings.AXES_FAILURE_LIMIT > 2 and 2 * len(sprayed_accounts) > limit
    codes = spray(client, sprayed_accounts, guesses=2)
    assert codes == [200] * (limit - 1) + [429] * (len(codes) - limit + 1)
    # The address is locked for everyone, even with the right password; another address is not.
    response = client.post(reverse("login"), {"username": sprayed_accounts[0].username, "password": PASSWORD})
    assert response.status_code == 429
    assert "Try again in" in response.content.decode()
    response = client.post(
        reverse("login"), {"username": sprayed_accounts[0].username, "password": PASSWORD}, REMOTE_ADDR="192.0.2.9"
    )
    assert response.status_code == 302


def test_the_address_limit_cools_off(client, sprayed_accounts, settings):
    from datetime import timedelta

    from axes.models import AccessAttempt
    from django.utils import timezone

    spray(client, sprayed_accounts, guesses=2)
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    response = client.post(reverse("login"), {"username": sprayed_accounts[0].username, "password": PASSWORD})
    assert response.status_code == 302


def test_a_forged_forwarded_for_header_does_not_dodge_the_limit_by_default(client, sprayed_accounts, settings):
    limit = settings.AXES_ADDRESS_FAILURE_LIMIT
    codes = [
        client.post(
            reverse("login"),
            {"username": user.username, "password": "wrong-password"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        ).status_code
        for n, user in enumerate(sprayed_accounts * 2)
    ]
    assert codes.index(429) == limit - 1


def test_behind_a_proxy_the_configured_header_tells_clients_apart(client, sprayed_accounts, settings):
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_REAL_IP", "REMOTE_ADDR")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    codes = spray(client, sprayed_accounts, guesses=2, HTTP_X_REAL_IP="203.0.113.7", **proxy)
    assert 429 in codes
    # Another client behind the same proxy signs in: its address is its own, not the proxy's.
    response = client.post(
        reverse("login"),
        {"username": sprayed_accounts[0].username, "password": PASSWORD},
        HTTP_X_REAL_IP="203.0.113.8",
        **proxy,
    )
    assert response.status_code == 302


def static_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


@pytest.mark.django_db
def test_signed_in_pages_are_never_stored_and_static_files_keep_their_caching(client, rep):
    login_page = client.get(reverse("login"))
    client.force_login(rep)
    for url in [reverse("accounts:home"), reverse("password_change")]:
        response = client.get(url)
        assert response.status_code == 200
        assert {"no-store", "private"} <= {part.strip() for part in response["Cache-Control"].split(",")}
    # The login page's static files are answered before any session is looked at, signed in or not.
    assets = static_urls(login_page.content.decode())
    assert assets
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" not in response.get("Cache-Control", ""), url


@pytest.mark.django_db
def test_api_answers_to_a_request_with_credentials_are_never_stored(client, api_token):
    public = client.get(reverse("api:openapi-json"))
    assert public.status_code == 200
    assert "no-store" not in public.get("Cache-Control", "")
    # Whatever the key may do, the answer to it is for that key's holder only.
    response = client.get(reverse("api:openapi-json"), HTTP_AUTHORIZATION=f"Bearer {api_token}")
    assert "no-store" in response["Cache-Control"]
