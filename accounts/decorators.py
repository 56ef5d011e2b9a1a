"""The one decorator every portal view names its permission with."""

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from rules.contrib.views import permission_required as rule_required


def permission_required(perm: str) -> Callable:
    """Sign-in first (the anonymous go to the login page), then the rule `perm` (403 without it).

    Objects are not checked here: each view gets its object through the queryset that mirrors
    the object's rule (`for_user`, `editable_by`), so another team's object is a 404.
    """

    def decorator(view: Callable) -> Callable:
        return login_required(rule_required(perm, raise_exception=True)(view))

    return decorator
