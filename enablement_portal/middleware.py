from collections.abc import Callable

from csp.middleware import CSPMiddleware
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class NonceOnEveryPageCSPMiddleware(CSPMiddleware):
    """django-csp adds the nonce to the header only when a template read it; pages that
    never do (Django admin, API docs) would get a policy without one. Every HTML page gets
    one here, so the policy is the same everywhere and any script tag can use the nonce."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if response.get("Content-Type", "").startswith("text/html") and hasattr(request, "csp_nonce"):
            str(request.csp_nonce)
        return super().process_response(request, response)


class NoStoreWithCredentialsMiddleware:
    """A response to a signed-in session or to a request carrying an Authorization header may hold
    personal data: no browser or shared cache may keep it (the back button on a shared computer,
    a caching proxy). Public pages keep their caching, and static files never get here: WhiteNoise,
    earlier in the chain, answers them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "HTTP_AUTHORIZATION" in request.META or request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
