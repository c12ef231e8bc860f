from datetime import date
from decimal import Decimal

from django import template

from plania.core.formats import format_date, format_eur, format_meur, format_number

register = template.Library()


@register.filter
def eur(value: Decimal | None) -> str:
    return format_eur(value)


@register.filter
def meur(value: Decimal | None) -> str:
    return format_meur(value)


@register.filter
def number(value: Decimal | None) -> str:
    """A plain figure, without trailing zeros: 3.70 -> 3,7 (fr) / 3.7 (en)."""
    return format_number(value)


@register.filter
def day(value: date | None) -> str:
    """A date in full: 7 janvier 2026 / January 7, 2026."""
    return format_date(value)
