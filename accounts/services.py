import secrets

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.models import STAFF_ROLES, ApiKey, User, hash_api_key
from accounts.roles import role_group_name

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


@transaction.atomic
def api_key_create(*, name: str, created_by: User | None = None) -> tuple[ApiKey, str]:
    """Create a key and return it with its token: the token is never stored and cannot be shown again."""
    token = API_KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey(name=name, prefix=token[:10], key_hash=hash_api_key(token), created_by=created_by)
    api_key.full_clean()
    api_key.save()
    return api_key, token


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


class ApiKeyRejected(Exception):
    pass


class ApiKeyRevoked(ApiKeyRejected):
    pass


def api_key_authenticate(*, token: str) -> ApiKey:
    """The active key for `token`, or ApiKeyRejected saying why not."""
    try:
        api_key = ApiKey.objects.get(key_hash=hash_api_key(token))
    except ApiKey.DoesNotExist:
        raise ApiKeyRejected("The API key is not valid.") from None
    if api_key.is_revoked:
        raise ApiKeyRevoked("The API key has been revoked.")
    now = timezone.now()
    # One write a minute at most per key, not one per request.
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    return api_key
