"""Formatting shared by messages, pages and exports, in the active language.

Thin wrappers over the rules core's Babel helpers (plania/rules/money.py), so a page, an
e-mail, a PDF and a rules explanation write the same amount the same way: CLDR's French
("1 234,56 €") and English ("€1,234.56") conventions rather than hand-made separators.
"""

from datetime import date
from decimal import Decimal

from django.utils.translation import get_language

from plania.rules.money import format_day, format_figure, format_money, format_money_millions

__all__ = ["format_date", "format_eur", "format_meur", "format_number"]


def _language(language: str | None) -> str:
    return language or get_language() or "fr"


def format_eur(amount: Decimal | int | None, language: str | None = None) -> str:
    """'1 234,56 €' in French, '€1,234.56' in English, with cents; '—' for no amount."""
    if amount is None:
        return "—"
    return format_money(Decimal(amount), _language(language))


def format_meur(amount: Decimal | int | None, language: str | None = None) -> str:
    """Budgets in CLDR's compact form: '60 M€' / '€60M', '1,5 M€'."""
    if amount is None:
        return "—"
    return format_money_millions(Decimal(amount), _language(language))


def format_number(value: Decimal | int | None, language: str | None = None) -> str:
    """A plain figure without trailing zeros: 3.70 -> '3,7' (fr) / '3.7' (en)."""
    if value is None:
        return "—"
    return format_figure(Decimal(value), _language(language))


def format_date(day: date | None, language: str | None = None) -> str:
    """'7 janvier 2026' / 'January 7, 2026'."""
    if day is None:
        return "—"
    return format_day(day, _language(language))
