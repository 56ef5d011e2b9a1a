"""Calendar periods, shared by the pipeline board, its API and telemetry's metrics.

A period is a pair of dates (first day, first day after it): the end is exclusive, so a
filter is `>= start` and `< end` and consecutive periods never overlap.
"""

from calendar import monthrange
from datetime import date, datetime, time, timedelta

from django.utils import timezone


def month_of(day: date) -> tuple[date, date]:
    start = day.replace(day=1)
    return start, start + timedelta(days=monthrange(day.year, day.month)[1])


def quarter_of(day: date) -> tuple[date, date]:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    end = date(day.year + (first_month + 3 > 12), (first_month + 2) % 12 + 1, 1)
    return start, end


def year_of(day: date) -> tuple[date, date]:
    return date(day.year, 1, 1), date(day.year + 1, 1, 1)


def start_of_day(day: date) -> datetime:
    """The first instant of `day` in TIME_ZONE (an aware datetime)."""
    return timezone.make_aware(datetime.combine(day, time.min))
