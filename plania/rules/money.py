"""Money helpers for the rules core.

Money is ``Decimal`` with two decimals, never float (CONVENTIONS.md, "Money and time").
Rounding is ROUND_HALF_UP everywhere in the rules core, the commercial rounding an
accountant expects; the vectorised path works in integer cents and must agree to the cent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TypeAlias

Money: TypeAlias = Decimal

CENT = Decimal("0.01")
EURO = Decimal("1")
ZERO = Decimal("0.00")

# Same character Django's French locale uses as THOUSAND_SEPARATOR (django/conf/locale/fr/
# formats.py), so amounts in rules explanations look like the amounts the templates render;
# it also keeps "300 000 €" on one line.
NBSP = "\u00a0"


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


def format_eur_fr(amount: Decimal) -> str:
    """French display: ``300 000 €``, ``1 234,56 €`` (no cents when whole; no-break spaces)."""
    _check_finite(amount)
    rounded = round_cent(amount)
    sign = "-" if rounded < 0 else ""
    whole, _, frac = f"{abs(rounded):,.2f}".partition(".")
    text = whole.replace(",", NBSP)
    if frac != "00":
        text += "," + frac
    return f"{sign}{text}{NBSP}€"


def format_eur_en(amount: Decimal) -> str:
    """English display: ``EUR 300,000``, ``EUR 1,234.56`` (no cents when whole)."""
    _check_finite(amount)
    rounded = round_cent(amount)
    sign = "-" if rounded < 0 else ""
    whole, _, frac = f"{abs(rounded):,.2f}".partition(".")
    text = whole if frac == "00" else f"{whole}.{frac}"
    return f"{sign}EUR {text}"
