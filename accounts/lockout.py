"""Login throttling: django-axes with a second, per-address limit.

Axes locks out one (username, address) pair after AXES_FAILURE_LIMIT failures; that stops
guessing one account's password but not spraying a few guesses over many accounts from one
address. Axes compares every lockout parameter against the same limit, so a per-address
limit cannot be set higher there; this handler adds it: AXES_ADDRESS_FAILURE_LIMIT failures
from one address within the cool-off lock out every login from that address, answered as any
axes lockout (429 with the cool-off). It reads the same AccessAttempt rows axes writes.
"""

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


class AxesHttpRequest(HttpRequest):
    """A login request as axes hands it to its handler: its middleware and handler set these."""

    axes_locked_out: bool
    axes_credentials: dict[str, Any] | None
    axes_ip_address: str


class AddressLimitAxesHandler(AxesDatabaseHandler):
    def is_locked(self, request: AxesHttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        return super().is_locked(request, credentials) or self.address_limit_reached(request)

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: AxesHttpRequest | None = None, **kwargs: Any
    ) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or request.axes_locked_out or self.is_whitelisted(request, credentials):
            return
        # The failure that reaches the limit is answered as a lockout, as axes does for its own limit.
        if self.address_limit_reached(request):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )

    def address_limit_reached(self, request: AxesHttpRequest) -> bool:
        """Failures from the request's address within the cool-off, over every username."""
        failures = AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address, attempt_time__gte=get_cool_off_threshold(request)
        ).aggregate(total=Sum("failures_since_start"))["total"]
        return (failures or 0) >= settings.AXES_ADDRESS_FAILURE_LIMIT
