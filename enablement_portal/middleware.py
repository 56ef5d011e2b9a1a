from collections.abc import Callable

from csp.middleware import CSPMiddleware
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.text import smart_split

from enablement_portal.problems import problem_response


class NonceOnEveryPageCSPMiddleware(CSPMiddleware):
    """django-csp adds the nonce to the header only when a template read it; pages that
    never do (Django admin, API docs) would get a policy without one. Every HTML page gets
    one here, so the policy is the same everywhere and any script tag can use the nonce."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if response.get("Content-Type", "").startswith("text/html") and hasattr(request, "csp_nonce"):
            str(request.csp_nonce)
        return super().process_response(request, response)


# An admin search runs one OR-group of LIKEs per word: 2,000 words overflow SQLite's expression
# depth (a 500) and cost PostgreSQL a full scan per word. Nobody searches with more than a few.
MAX_ADMIN_SEARCH_WORDS = 10
MAX_ADMIN_SEARCH_CHARS = 200
# Admin date-hierarchy values become datetime(year, month, day): a number too large for a C
# long raises OverflowError there, which Django's admin does not catch.
MAX_ADMIN_DATE_DIGITS = 4
ADMIN_DATE_SUFFIXES = ("__year", "__month", "__day")
API_PREFIX = "/api/"


class BadInputMiddleware:
    """Answer 400 before any view runs for input no view can use.

    - A NUL character in the path or the query string: PostgreSQL cannot hold one in text, so
      every lookup with it would be a 500 (SQLite would just find nothing).
    - An admin changelist search of more than MAX_ADMIN_SEARCH_WORDS words or characters, and
      admin date-hierarchy parameters that are not small numbers.

    Under /api/ the answer is problem+json, elsewhere an HTML page saying what was wrong.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = bad_input(request)
        if problem is None:
            return self.get_response(request)
        if request.path.startswith(API_PREFIX):
            return problem_response(status=400, title="Bad request", detail=problem)
        return render(request, "400.html", {"reason": problem}, status=400)


def bad_input(request: HttpRequest) -> str | None:
    """What makes `request` unusable, in a sentence for the caller, or None."""
    if "\x00" in request.path:
        return "The URL holds a NUL character (%00)."
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            return f"The query parameter {_printable(name)!r} holds a NUL character (%00)."
    if request.path.startswith(_admin_prefix()):
        return admin_bad_input(request)
    return None


def admin_bad_input(request: HttpRequest) -> str | None:
    search = request.GET.get("q", "")
    if len(search) > MAX_ADMIN_SEARCH_CHARS or len(list(smart_split(search))) > MAX_ADMIN_SEARCH_WORDS:
        return f"Search with at most {MAX_ADMIN_SEARCH_WORDS} words and {MAX_ADMIN_SEARCH_CHARS} characters."
    for name, value in request.GET.items():
        if name.endswith(ADMIN_DATE_SUFFIXES) and not (
            isinstance(value, str) and value.isdigit() and len(value) <= MAX_ADMIN_DATE_DIGITS
        ):
            return f"{_printable(name)} must be a number of at most {MAX_ADMIN_DATE_DIGITS} digits."
    return None


def _admin_prefix() -> str:
    return reverse("admin:index")


def _printable(text: str) -> str:
    return text.replace("\x00", "\\0")[:100]


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
