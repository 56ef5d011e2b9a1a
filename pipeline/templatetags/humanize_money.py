from decimal import Decimal

from django import template

from enablement_portal.money import DEFAULT_CURRENCY, format_money

register = template.Library()


@register.filter
def money(value: Decimal | None, currency: str = DEFAULT_CURRENCY) -> str:
    """{{ deal.amount|money:deal.currency }} -> '$12,346' (whole units: people compare sizes, not cents)."""
    return format_money(value, currency)
