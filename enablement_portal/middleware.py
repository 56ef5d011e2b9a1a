from csp.middleware import CSPMiddleware
from django.http import HttpRequest, HttpResponseBase


class NonceOnEveryPageCSPMiddleware(CSPMiddleware):
    """django-csp adds the nonce to the header only when a template read it; pages that
    never do (Django admin, API docs) would get a policy without one. Every HTML page gets
    one here, so the policy is the same everywhere and any script tag can use the nonce."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if response.get("Content-Type", "").startswith("text/html") and hasattr(request, "csp_nonce"):
            str(request.csp_nonce)
        return super().process_response(request, response)
