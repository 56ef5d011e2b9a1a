"""Request types for the type checker."""

from django.http import HttpRequest

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view behind `login_required` (and of admin actions): `user` is a User,
    never AnonymousUser. Only an annotation: Django still builds a plain HttpRequest."""

    user: User
