from django.http import HttpRequest
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security import HttpBearer

from accounts.models import ApiKey
from accounts.services import ApiKeyRejected, ApiKeyRevoked, api_key_authenticate


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer <key>` with a key made by `create_api_key` or in admin.

    Every refusal says what was wrong: 401 for a missing, malformed or unknown key, 403 for a
    revoked one (the caller is known, and no longer allowed).
    """

    def __call__(self, request: HttpRequest) -> ApiKey:
        header = request.headers.get(self.header)
        if not header:
            raise AuthenticationError(message="An API key is required: send 'Authorization: Bearer <key>'.")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != self.openapi_scheme or not token.strip():
            raise AuthenticationError(message="The Authorization header must be 'Bearer <key>'.")
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey:
        try:
            return api_key_authenticate(token=token)
        except ApiKeyRevoked as exc:
            raise AuthorizationError(message=str(exc)) from None
        except ApiKeyRejected as exc:
            raise AuthenticationError(message=str(exc)) from None
