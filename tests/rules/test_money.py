"""Money, figures and dates as people read them (Babel, CLDR), in French and English."""

from datetime import date
from decimal import Decimal

import pytest

from plania.rules.money import (
    babel_locale,
    format_day,
    format_figure,
    format_money,
    format_money_millions,
)

NBSP = "\u00a0"  # before the euro sign in French
NNBSP = "\u202f"  # between thousands in French


@pytest.mark.parametrize(
    ("amount", "fr", "en"),
    [
        ("1234.56", f"1{NNBSP}234,56{NBSP}€", "€1,234.56"),
        ("-1234.56", f"-1{NNBSP}234,56{NBSP}€", "-€1,234.56"),
        ("0", f"0,00{NBSP}€", "€0.00"),
        # Rounds to a zero cent: no "-0,00".
        ("-0.004", f"0,00{NBSP}€", "€0.00"),
        ("0.01", f"0,01{NBSP}€", "€0.01"),
        # Half up, as an accountant rounds (Babel alone rounds half even: 0,00).
        ("0.005", f"0,01{NBSP}€", "€0.01"),
        ("2.345", f"2,35{NBSP}€", "€2.35"),
        ("1234567.891", f"1{NNBSP}234{NNBSP}567,89{NBSP}€", "€1,234,567.89"),
        (
            "999999999999.99",
            f"999{NNBSP}999{NNBSP}999{NNBSP}999,99{NBSP}€",
            "€999,999,999,999.99",
        ),
        ("300000", f"300{NNBSP}000,00{NBSP}€", "€300,000.00"),
    ],
)
def test_money_with_cents(amount: str, fr: str, en: str) -> None:
    assert format_money(Decimal(amount), "fr") == fr
    assert format_money(Decimal(amount), "en") == en


@pytest.mark.parametrize(
    ("amount", "fr", "en"),
    [
        ("1", f"1{NBSP}€", "€1"),
        ("300000", f"300{NNBSP}000{NBSP}€", "€300,000"),
        ("-10", f"-10{NBSP}€", "-€10"),
        ("0", f"0{NBSP}€", "€0"),
        # Only whole amounts lose their cents.
        ("1234.5", f"1{NNBSP}234,50{NBSP}€", "€1,234.50"),
        ("0.01", f"0,01{NBSP}€", "€0.01"),
    ],
)
def test_money_without_cents_when_whole(amount: str, fr: str, en: str) -> None:
    assert format_money(Decimal(amount), "fr", cents=False) == fr
    assert format_money(Decimal(amount), "en", cents=False) == en


@pytest.mark.parametrize(
    ("amount", "fr", "en"),
    [
        ("60000000", f"60{NBSP}M{NBSP}€", "€60M"),
        ("1500000", f"1,5{NBSP}M{NBSP}€", "€1.5M"),
        ("250000", f"250{NBSP}k{NBSP}€", "€250K"),
        ("-2000000", f"-2{NBSP}M{NBSP}€", "-€2M"),
        ("2500000000", f"2,5{NBSP}Md{NBSP}€", "€2.5B"),
        ("1234567.89", f"1,23{NBSP}M{NBSP}€", "€1.23M"),
    ],
)
def test_budgets_in_compact_form(amount: str, fr: str, en: str) -> None:
    assert format_money_millions(Decimal(amount), "fr") == fr
    assert format_money_millions(Decimal(amount), "en") == en


@pytest.mark.parametrize(
    ("value", "fr", "en"),
    [
        ("3.70", "3,7", "3.7"),
        ("1234", f"1{NNBSP}234", "1,234"),
        ("1E+3", f"1{NNBSP}000", "1,000"),
        ("-2.125", "-2,125", "-2.125"),
        ("0.000", "0", "0"),
    ],
)
def test_figures(value: str, fr: str, en: str) -> None:
    assert format_figure(Decimal(value), "fr") == fr
    assert format_figure(Decimal(value), "en") == en


def test_dates_in_full() -> None:
    assert format_day(date(2026, 1, 7), "fr") == "7 janvier 2026"
    assert format_day(date(2026, 1, 7), "en") == "January 7, 2026"
    assert format_day(date(2025, 12, 31), "fr") == "31 décembre 2025"


@pytest.mark.parametrize(
    ("language", "locale"),
    [("fr", "fr"), ("fr-fr", "fr"), ("en", "en"), ("en-gb", "en"), (None, "fr"), ("de", "fr")],
)
def test_site_languages_map_to_babel_locales(language: str | None, locale: str) -> None:
    assert babel_locale(language) == locale


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_amounts_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="finite"):
        format_money(Decimal(bad), "fr")
