"""Every way to authenticate to the API, in one place.

- `KeyAuth(scope)`: `Authorization: Bearer <key>` with the scope; `request.auth` is the ApiKey.
- `PersonAuth(scope)`: a portal session (unsafe methods need the CSRF token), or a key with the
  scope that acts for a person; `request.auth` is that person, so the person's rules apply and
  the key's rights are the intersection of its scopes and the person's rights.
- `ReaderAuth(scope)`: a session or a key with the scope, with or without a person;
  `request.auth` is the person or, for a system key, the ApiKey (it reads what reps may read).
- `IntegrationAuth(scope, guard)`: a key that belongs to a lead integration; `request.auth` is
  the Integration, and `guard(request, integration)` (size, rate, signature) runs here, so no
  endpoint can skip it. accounts sits below leads, so the guard and the integration come in
  through the key (`api_key.integration`) and the constructor, not through an import.

Refusals raise: 401 for a missing, malformed, unknown or expired key; 403 for a revoked key or a
key without the scope; the API root turns them into problem+json.
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.security import HttpBearer
from ninja.utils import check_csrf

from accounts.http import ApiRequest
from accounts.models import ApiKey, Scope, User
from accounts.services import ApiKeyRejected, ApiKeyRevoked, api_key_authenticate
from enablement_portal.problems import Problem

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class KeyAuth(HttpBearer):
    """`Authorization: Bearer <key>`, the key holding `scope` (None: any valid key, e.g. to look at itself)."""

    def __init__(self, scope: Scope | None) -> None:
        super().__init__()
        self.scope = scope

    def __call__(self, request: HttpRequest) -> Any:
        token = self.bearer_token(request)
        if token is None:
            raise AuthenticationError(message="An API key is required: send 'Authorization: Bearer <key>'.")
        return self.authenticate(request, token)

    def bearer_token(self, request: HttpRequest) -> str | None:
        header = request.headers.get(self.header)
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != self.openapi_scheme or not token.strip():
            raise AuthenticationError(message="The Authorization header must be 'Bearer <key>'.")
        return token.strip()

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return self.scoped_key(token)

    # One-to-one relations of the key its callers read (IntegrationAuth: the integration).
    related: tuple[str, ...] = ()

    def scoped_key(self, token: str) -> ApiKey:
        try:
            api_key = api_key_authenticate(token=token, related=self.related)
        except ApiKeyRevoked as exc:
            raise AuthorizationError(message=str(exc)) from None
        except ApiKeyRejected as exc:
            raise AuthenticationError(message=str(exc)) from None
        if self.scope is not None and not api_key.allows(self.scope):
            raise AuthorizationError(message=self.missing_scope())
        return api_key

    def missing_scope(self) -> str:
        return f"This API key lacks the scope {self.scope}."


class PersonAuth(KeyAuth):
    """A portal session, or a key with the scope acting for an active person.

    With `permission`, the person must also hold it (checked before the request's input is
    read): the operation's rule, answered by the same `has_perm` as the pages.
    """

    def __init__(self, scope: Scope, permission: str = "") -> None:
        super().__init__(scope)
        self.permission = permission

    def __call__(self, request: HttpRequest) -> User:
        token = self.bearer_token(request)
        if token is not None:
            return self.permitted(self.authenticate(request, token))
        if request.user.is_authenticated:
            if request.method not in SAFE_METHODS and check_csrf(request):
                raise HttpError(403, "The CSRF token is missing or wrong.")
            return self.permitted(request.user)
        raise AuthenticationError(message="Log in, or send 'Authorization: Bearer <key>'.")

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_key = self.scoped_key(token)
        person = api_key.acts_for
        if person is None or not person.is_active:
            raise AuthorizationError(message=f"{self.scope} needs a key that acts for a person; this one does not.")
        return person

    def permitted(self, person: Any) -> Any:
        if self.permission and isinstance(person, User) and not person.has_perm(self.permission):
            raise AuthorizationError(message=f"{person.get_username()} may not do this ({self.permission}).")
        return person


class ReaderAuth(PersonAuth):
    """A session, or a key with the scope; a key with no person is a system reading what reps read."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_key = self.scoped_key(token)
        if api_key.acts_for_id is None:
            return api_key
        return super().authenticate(request, token)


# (request, integration) -> a Problem to raise, or None when the request may go on.
IntegrationGuard = Callable[[HttpRequest, Any], Problem | None]


class IntegrationAuth(KeyAuth):
    """A key with the scope that belongs to a lead integration; the integration's guard runs here."""

    related = ("integration",)

    def __init__(self, scope: Scope, guard: IntegrationGuard) -> None:
        super().__init__(scope)
        self.guard = guard

    def missing_scope(self) -> str:
        return f"{super().missing_scope()} Only a lead integration's key sends and reads leads."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_key = self.scoped_key(token)
        integration = getattr(api_key, "integration", None)
        if integration is None:
            raise AuthorizationError(message="This API key does not belong to a lead integration.")
        if refused := self.guard(request, integration):
            raise refused
        return integration


def person_of(request: ApiRequest) -> User | None:
    """The person an authenticated API request acts for; None for a system key."""
    return request.auth if isinstance(request.auth, User) else None
