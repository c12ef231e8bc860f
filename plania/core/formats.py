"""Formatting shared by messages, pages and exports."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import get_language

NBSP = "\u202f"  # narrow no-break space, the French thousands separator


def format_eur(amount: Decimal | int | None, language: str | None = None) -> str:
    """'1 000 000,00 €' in French, 'EUR 1,000,000.00' in English."""
    if amount is None:
        return "—"
    value = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    lang = (language or get_language() or "fr")[:2]
    text = f"{abs(value):,.2f}"
    sign = "-" if value < 0 else ""
    if lang == "en":
        return f"{sign}EUR {text}"
    return f"{sign}{text.replace(',', NBSP).replace('.', ',')} €"


def format_meur(amount: Decimal | int | None, language: str | None = None) -> str:
    """Millions of euros, as people say them: '60 M€' / 'EUR 60M', '1,5 M€'."""
    if amount is None:
        return "—"
    millions = (Decimal(amount) / Decimal(1_000_000)).normalize()
    lang = (language or get_language() or "fr")[:2]
    text = f"{millions:f}"
    if lang == "en":
        return f"EUR {text}M"
    return f"{text.replace('.', ',')} M€"
