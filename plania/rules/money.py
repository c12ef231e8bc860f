"""Money helpers for the rules core.

Money is ``Decimal`` with two decimals, never float (CONVENTIONS.md, "Money and time").
Rounding is ROUND_HALF_UP everywhere in the rules core, the commercial rounding an
accountant expects; the vectorised path works in integer cents and must agree to the cent.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, TypeAlias

Money: TypeAlias = Decimal

CENT = Decimal("0.01")
EURO = Decimal("1")
ZERO = Decimal("0.00")


def _check_finite(amount: Decimal) -> None:
    if not amount.is_finite():
        raise ValueError(f"amount must be a finite Decimal, got {amount!r}")


def round_cent(amount: Decimal) -> Money:
    """Round to the cent, half up: ``Decimal("0.005") -> Decimal("0.01")``."""
    _check_finite(amount)
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def round_euro(amount: Decimal) -> Money:
    """Round to the whole euro, half up: ``Decimal("0.50") -> Decimal("1")``."""
    _check_finite(amount)
    return amount.quantize(EURO, rounding=ROUND_HALF_UP)


def to_cents(amount: Decimal) -> int:
    """Exact number of cents in ``amount``.

    Strict on purpose: an amount with a fraction of a cent is a bug upstream (call
    ``round_cent`` first, at the place where the rounding rule is known).
    """
    _check_finite(amount)
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{amount} has a fraction of a cent; round it first")
    return int(cents)


def from_cents(cents: int) -> Money:
    """``12345 -> Decimal("123.45")``."""
    return (Decimal(cents) / 100).quantize(CENT)


def babel_locale(language: str | None) -> str:
    """The Babel locale for one of the site's languages: "en..." -> "en", anything else "fr"."""
    return "en" if (language or "").lower().startswith("en") else "fr"


def format_money(amount: Decimal, language: str | None = "fr", *, cents: bool = True) -> str:
    """Euros as the language writes them, from CLDR through Babel.

    ``"1\u202f234,56\u00a0€"`` in French (narrow no-break space between thousands, no-break
    space before the sign), ``"€1,234.56"`` in English; ``-`` before negative amounts.
    ``cents=False`` drops ",00" from a whole amount (``"300\u202f000\u00a0€"``), as the
    rules' explanations say caps and ceilings; other amounts keep their cents.

    The amount is rounded half up to the cent here (Babel's own rounding is half even), and
    a zero never prints as "-0,00".
    """
    _check_finite(amount)
    rounded = round_cent(Decimal(amount))
    if rounded == 0:
        rounded = ZERO
    whole = not cents and rounded == rounded.to_integral_value()
    locale, pattern = _currency_format(babel_locale(language), whole)
    # What babel.numbers.format_currency does, with the locale and the pattern parsed once
    # per process (parsed on every call, they were a fifth of its time).
    return str(pattern.apply(rounded, locale, currency="EUR", currency_digits=not whole))


def format_money_millions(amount: Decimal, language: str | None = "fr") -> str:
    """Budgets as people say them, in CLDR's compact form: ``"60\u00a0M\u00a0€"`` / ``"€60M"``,
    ``"1,5\u00a0M\u00a0€"``, ``"250\u00a0k\u00a0€"``; at most two decimals of the unit shown."""
    from babel.numbers import format_compact_currency

    value = Decimal(amount)
    _check_finite(value)
    shown = abs(value)
    while shown >= 1000:  # the unit Babel picks: k, M, Md/B
        shown /= 1000
    exponent = shown.normalize().as_tuple().exponent  # an int for a finite value
    digits = min(max(-exponent, 0), 2) if isinstance(exponent, int) else 0
    return format_compact_currency(
        value, "EUR", locale=babel_locale(language), fraction_digits=digits
    )


def format_figure(value: Decimal | int, language: str | None = "fr") -> str:
    """A plain figure without trailing zeros.

    3.70 -> ``"3,7"`` / ``"3.7"``, 1234 -> ``"1\u202f234"`` / ``"1,234"``.
    """
    from babel.numbers import format_decimal

    value = Decimal(value)
    _check_finite(value)
    return format_decimal(
        value.normalize(), locale=babel_locale(language), decimal_quantization=False
    )


def format_day(day: date, language: str | None = "fr") -> str:
    """A date in full, unambiguous in both languages: "7 janvier 2026" / "January 7, 2026"."""
    from babel.dates import format_date

    return format_date(day, format="long", locale=babel_locale(language))


@lru_cache(maxsize=4)
def _currency_format(locale: str, whole: bool) -> tuple[Any, Any]:
    """The Babel locale and currency pattern for a language: CLDR's standard one, or for
    whole amounts the same without its decimals ("#,##0.00 ¤" -> "#,##0 ¤")."""
    from babel import Locale  # 45 ms: only when something is shown
    from babel.numbers import parse_pattern

    parsed = Locale.parse(locale)
    standard = parsed.currency_formats["standard"]
    if not whole:
        return parsed, standard
    return parsed, parse_pattern(str(standard.pattern).replace(".00", ""))
