"""The accounts app's writes: people, teams, roles and API keys. Other apps create them through here."""

import secrets
from collections.abc import Iterable
from datetime import date, datetime

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import STAFF_ROLES, ApiKey, Team, User, hash_api_key
from accounts.roles import role_group_name
from enablement_portal.db import found_or_saved

API_KEY_PREFIX = "ep_"


@transaction.atomic
def user_set_role(*, user: User, role: str) -> User:
    """Give `user` the role, its Group (and so its permissions) and admin access if it has any."""
    user.role = role
    user.is_staff = user.is_superuser or role in STAFF_ROLES
    user.full_clean(exclude=["password"])
    user.save()
    group, _ = Group.objects.get_or_create(name=role_group_name(role))
    user.groups.set([group])
    return user


def username_for(full_name: str) -> str:
    """'Anna  Snelling' -> 'anna.snelling': the login of someone known by name (demo people, CRM owners)."""
    return ".".join(full_name.lower().split())


def split_full_name(full_name: str) -> tuple[str, str]:
    """'Anna Snelling' -> ('Anna', 'Snelling'); everything after the first word is the last name."""
    first, _, last = " ".join(full_name.split()).partition(" ")
    return first, last


def team_name_for(*, office: str, manager_name: str) -> str:
    """A sales team is named by its office and its manager's last name: 'Central · Brinkmann'."""
    return f"{office} · {manager_name.split()[-1]}"


def team_get_or_create(*, name: str, region: str = "") -> Team:
    """The team called `name`; a new one is in `region`, an existing one keeps its own.

    Raises ValidationError on bad values for a new team.
    """
    return found_or_saved(Team.objects.filter(name=name), Team(name=name, region=region))


@transaction.atomic
def user_create(
    *,
    username: str,
    full_name: str,
    role: str,
    email: str = "",
    team: Team | None = None,
    manager: User | None = None,
    start_date: date | None = None,
    password_hash: str | None = None,
) -> User:
    """Create a user with `role` (and its group); the first word of `full_name` is the first name.

    Without `password_hash` the user cannot log in until a password is set. Raises
    ValidationError on bad values (a username in use, or with characters a login cannot have).
    """
    first, last = split_full_name(full_name)
    user = User(
        username=username,
        first_name=first,
        last_name=last,
        email=email,
        team=team,
        manager=manager,
        start_date=start_date,
        password=password_hash or make_password(None),
    )
    return user_set_role(user=user, role=role)


def _new_token() -> tuple[str, str]:
    token = API_KEY_PREFIX + secrets.token_urlsafe(32)
    return token, hash_api_key(token)


@transaction.atomic
def api_key_create(
    *,
    name: str,
    scopes: Iterable[str],
    acts_for: User | None = None,
    expires_at: datetime | None = None,
    created_by: User | None = None,
) -> tuple[ApiKey, str]:
    """Create a key and return it with its token: the token is never stored and cannot be shown again.

    A person may issue a key that acts for themselves only (superusers for anyone): a key never
    carries more than its issuer could do. Raises ValidationError naming the field.
    """
    if acts_for is not None and created_by is not None and acts_for != created_by and not created_by.is_superuser:
        raise ValidationError({"acts_for": "You may issue keys that act for yourself only."})
    token, key_hash = _new_token()
    api_key = ApiKey(
        name=name,
        prefix=token[:10],
        key_hash=key_hash,
        scopes=sorted(set(scopes)),
        acts_for=acts_for,
        expires_at=expires_at,
        created_by=created_by,
    )
    api_key.full_clean()
    api_key.save()
    return api_key, token


@transaction.atomic
def api_key_rotate(*, api_key: ApiKey, by: User | None, name: str | None = None) -> tuple[ApiKey, str]:
    """A new key with the same scopes, person and expiry; the old one is revoked at once."""
    new_key, token = api_key_create(
        name=name or f"{api_key.name.split(' · ')[0]} · {secrets.token_hex(3)}",
        scopes=api_key.scopes,
        acts_for=api_key.acts_for,
        expires_at=api_key.expires_at,
        created_by=by,
    )
    api_key_revoke(api_key=api_key)
    return new_key, token


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


class ApiKeyRejected(Exception):
    pass


class ApiKeyRevoked(ApiKeyRejected):
    pass


def api_key_authenticate(*, token: str, related: tuple[str, ...] = ()) -> ApiKey:
    """The active key for `token`, or ApiKeyRejected saying why not.

    `related`: one-to-one relations read in the same query (the lead integration a key belongs to).
    """
    try:
        api_key = ApiKey.objects.select_related(*related).get(key_hash=hash_api_key(token))
    except ApiKey.DoesNotExist:
        raise ApiKeyRejected("The API key is not valid.") from None
    if api_key.is_revoked:
        raise ApiKeyRevoked("The API key has been revoked.")
    now = timezone.now()
    if api_key.is_expired(now):
        raise ApiKeyRejected(f"The API key expired at {api_key.expires_at:%Y-%m-%d %H:%M} UTC.")
    # One write a minute at most per key, not one per request.
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    return api_key
