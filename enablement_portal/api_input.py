"""What the API accepts, beyond each operation's schema: bounded query strings, storable text,
and datetimes that exist in UTC. A leaf module, so routers and the root may both use it.
"""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.errors import ValidationError
from ninja.parser import Parser
from pydantic import AfterValidator

from enablement_portal.text import unstorable

# Filters are cheap only while they are few: no query parameter may be given more than this often.
MAX_QUERY_REPEATS = 10
# The widest offsets real zones use (UTC-12:00 to UTC+14:00); PostgreSQL refuses beyond ±15:59.
MAX_UTC_OFFSET = timedelta(hours=14)


class BoundedQueryParser(Parser):
    """Ninja's parser, refusing a query parameter repeated more than MAX_QUERY_REPEATS times (422),
    and JSON text PostgreSQL cannot store (ninja answers a body it cannot parse with 400)."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = super().parse_body(request)
        if holds_unstorable_text(data):
            raise ValueError("The body holds a NUL character or a lone surrogate.")
        return data

    def parse_querydict(self, data: MultiValueDict, list_fields: list[str], request: HttpRequest) -> dict[str, Any]:
        for name, values in data.lists():
            if len(values) > MAX_QUERY_REPEATS:
                message = f"Given {len(values)} times; at most {MAX_QUERY_REPEATS}."
                raise ValidationError([{"loc": ("query", name), "msg": message, "type": "too_long"}])
        return super().parse_querydict(data, list_fields, request)


def holds_unstorable_text(value: Any) -> bool:
    """Whether a parsed JSON value holds a NUL or a lone surrogate, in a key or a string."""
    if isinstance(value, str):
        return unstorable(value)
    if isinstance(value, list):
        return any(holds_unstorable_text(item) for item in value)
    if isinstance(value, dict):
        return any(holds_unstorable_text(key) or holds_unstorable_text(item) for key, item in value.items())
    return False


def in_utc(value: datetime) -> datetime:
    """A query datetime in UTC (a naive one is taken as UTC, the API's zone), within datetime's range."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    if abs(value.utcoffset() or timedelta()) > MAX_UTC_OFFSET:
        raise ValueError("The UTC offset must be between -14:00 and +14:00.")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("Out of range once converted to UTC.") from None


UtcDatetime = Annotated[datetime, AfterValidator(in_utc)]
