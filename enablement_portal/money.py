"""Money as people read it: always with its currency, whole units, thousands separated.

The one way an amount is shown (the `money` template filter, telemetry's tables, the home
page's attainment), so that "214144.00 USD" and "214,144" without a currency never appear.
"""

from decimal import ROUND_HALF_UP, Decimal

# The currency of amounts that are sums over deals (telemetry, attainment): deals and quotas
# default to it, and the portal does not convert between currencies.
DEFAULT_CURRENCY = "USD"
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


def format_money(amount: Decimal | int | float | str | None, currency: str = DEFAULT_CURRENCY) -> str:
    """12345.5, "USD" -> "$12,346"; "CHF" -> "CHF 12,346" (whole units, half up)."""
    whole = Decimal(str(amount or 0)).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    code = (currency or DEFAULT_CURRENCY).upper()
    sign = "-" if whole < 0 else ""
    symbol = SYMBOLS.get(code)
    if symbol:
        return f"{sign}{symbol}{abs(whole):,}"
    return f"{sign}{code} {abs(whole):,}"
