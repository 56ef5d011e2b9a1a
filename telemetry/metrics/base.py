"""What every metric shares: the snapshot row, the span of periods, and number helpers."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from enablement_portal.periods import month_of, quarter_of, start_of_day, year_of
from telemetry.models import Period

ZERO = Decimal("0")
FOUR_PLACES = Decimal("0.0001")
NO_PRODUCT = "(no product)"
NO_TEAM_KEY = "none"


@dataclass(frozen=True)
class Row:
    metric: str
    period: str
    dimension: str
    key: str
    label: str
    numerator: Decimal
    denominator: Decimal
    value: Decimal | None
    details: dict = field(default_factory=dict)
    team_id: int | None = None
    position: int = 0
    segment: str = ""


@dataclass(frozen=True)
class Span:
    """The as-of day and, per period, the first instant it covers (None: from the beginning).

    Every period ends at `end`, the start of the day after `as_of` in TIME_ZONE (exclusive).
    """

    as_of: date
    end: datetime
    starts: dict[str, datetime | None]
    first_months: dict[str, date | None]

    @classmethod
    def ending(cls, as_of: date) -> "Span":
        first_days: dict[str, date | None] = {
            Period.MONTH: month_of(as_of)[0],
            Period.QUARTER: quarter_of(as_of)[0],
            Period.YEAR: year_of(as_of)[0],
            Period.ALL: None,
        }
        return cls(
            as_of=as_of,
            end=start_of_day(as_of + timedelta(days=1)),
            starts={p: start_of_day(d) if d else None for p, d in first_days.items()},
            first_months=first_days,
        )

    def during(self, period: str, field_name: str) -> Q:
        """`field_name` falls in `period` (and before the window's end)."""
        start = self.starts[period]
        condition = Q(**{f"{field_name}__lt": self.end})
        return condition & Q(**{f"{field_name}__gte": start}) if start else condition


def ratio(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(FOUR_PLACES, ROUND_HALF_UP)


def money(value: Decimal | int | None) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def full_name(first: str, last: str, username: str) -> str:
    return f"{first} {last}".strip() or username
