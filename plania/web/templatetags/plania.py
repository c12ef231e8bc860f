from decimal import Decimal

from django import template

from plania.core.formats import format_eur, format_meur

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
    if value is None:
        return "—"
    from django.utils.translation import get_language

    text = f"{Decimal(value).normalize():f}"
    if "." not in text:
        text = f"{int(text):,}"
    if (get_language() or "fr").startswith("en"):
        return text
    return text.replace(",", "\u202f").replace(".", ",")
