from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def money(value: Decimal | None, currency: str = "USD") -> str:
    """12345.5 -> '$12,346' (whole units: the board compares sizes, not cents)."""
    amount = round(value or Decimal("0"))
    symbol = "$" if currency == "USD" else f"{currency} "
    return f"{symbol}{amount:,}"
