from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from enablement_portal.periods import month_of, quarter_of, start_of_day, year_of


@pytest.mark.parametrize(
    ("day", "month", "quarter"),
    [
        (date(2026, 1, 1), (date(2026, 1, 1), date(2026, 2, 1)), (date(2026, 1, 1), date(2026, 4, 1))),
        (date(2028, 2, 29), (date(2028, 2, 1), date(2028, 3, 1)), (date(2028, 1, 1), date(2028, 4, 1))),
        (date(2026, 6, 30), (date(2026, 6, 1), date(2026, 7, 1)), (date(2026, 4, 1), date(2026, 7, 1))),
        (date(2026, 12, 31), (date(2026, 12, 1), date(2027, 1, 1)), (date(2026, 10, 1), date(2027, 1, 1))),
    ],
)
def test_a_period_runs_from_its_first_day_to_the_first_day_after_it(day, month, quarter):
    assert month_of(day) == month
    assert quarter_of(day) == quarter
    assert year_of(day) == (date(day.year, 1, 1), date(day.year + 1, 1, 1))


def test_a_day_starts_at_midnight_in_the_portals_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"
    start = start_of_day(date(2026, 6, 30))
    assert timezone.is_aware(start)
    assert start == datetime(2026, 6, 30, tzinfo=ZoneInfo("America/New_York"))
