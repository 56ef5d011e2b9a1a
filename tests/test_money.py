"""Money is shown with its currency, in whole units, everywhere (enablement_portal/money.py)."""

from decimal import Decimal

import pytest

from enablement_portal.money import format_money
from telemetry.selectors import display


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (Decimal("214144.00"), "USD", "$214,144"),
        (Decimal("12345.5"), "EUR", "€12,346"),
        (Decimal("999.49"), "GBP", "£999"),
        (Decimal("5000"), "chf", "CHF 5,000"),
        (None, "USD", "$0"),
        (Decimal("-1500"), "USD", "-$1,500"),
    ],
)
def test_money_reads_with_its_currency(amount, currency, shown):
    assert format_money(amount, currency) == shown


def test_telemetry_money_columns_carry_the_currency():
    assert display("214144.00", "money") == "$214,144"
