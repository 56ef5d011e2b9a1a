"""Request types for the type checker. Only annotations: Django and django-ninja still build a
plain HttpRequest and set these attributes on it (ninja skips the `request` parameter when it
reads an operation's signature, so annotating it changes nothing at run time)."""

from django.db.models import Model
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from accounts.models import ApiKey, User


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view behind `login_required` or `accounts.decorators.permission_required`
    (and of admin actions): `user` is a User, never AnonymousUser; `htmx` is set by HtmxMiddleware."""

    user: User
    htmx: HtmxDetails


class ApiRequest(HttpRequest):
    """An API request after authentication: `auth` is what the operation's auth class returned."""

    auth: Model


class KeyApiRequest(ApiRequest):
    """Behind `accounts.auth.KeyAuth`: the API key itself."""

    auth: ApiKey


class PersonApiRequest(ApiRequest):
    """Behind `accounts.auth.PersonAuth`: the person the session or the key acts for."""

    auth: User


class ReaderApiRequest(ApiRequest):
    """Behind `accounts.auth.ReaderAuth`: the person, or the API key of a system reading what reps read."""

    auth: User | ApiKey
