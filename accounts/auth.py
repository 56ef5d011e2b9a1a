from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from accounts.models import ApiKey
from accounts.services import ApiKeyRejected, api_key_authenticate


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer <key>` with a key made by `create_api_key` or in admin.

    Every refusal is a 401 that says what was wrong (missing, malformed, unknown, revoked).
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
        except ApiKeyRejected as exc:
            raise AuthenticationError(message=str(exc)) from None
