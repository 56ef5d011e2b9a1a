from django.contrib import admin, messages
from django.db.models import Model
from django.http import HttpRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records only the system writes (rejections, telemetry runs and snapshots): view, never edit."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def show_secret_once(request: HttpRequest, text: str) -> None:
    """Show a key or secret that is stored hashed (or must not be shown again), once."""
    messages.warning(request, f"{text} — copy it now: it is not shown again.")
