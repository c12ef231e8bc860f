"""The template filters and plania.core.formats follow the active language (Babel, CLDR)."""

from datetime import date
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from plania.core.formats import format_date, format_eur, format_meur, format_number

NBSP = "\u00a0"
NNBSP = "\u202f"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", f"1{NNBSP}234,56{NBSP}€ | -1{NNBSP}234,56{NBSP}€ | 0,00{NBSP}€ | 60{NBSP}M{NBSP}€ "
               f"| 3,7 | 7 janvier 2026 | —"),
        ("en", "€1,234.56 | -€1,234.56 | €0.00 | €60M | 3.7 | January 7, 2026 | —"),
    ],
)  # fmt: skip
def test_filters_in_the_active_language(language: str, expected: str) -> None:
    template = Template(
        "{% load plania %}{{ a|eur }} | {{ n|eur }} | {{ z|eur }} | {{ b|meur }} | "
        "{{ f|number }} | {{ d|day }} | {{ missing|eur }}"
    )
    context = Context(
        {
            "a": Decimal("1234.56"),
            "n": Decimal("-1234.56"),
            "z": Decimal("0"),
            "b": Decimal("60000000"),
            "f": Decimal("3.70"),
            "d": date(2026, 1, 7),
            "missing": None,
        }
    )
    with translation.override(language):
        assert template.render(context) == expected


def test_an_explicit_language_wins_over_the_active_one() -> None:
    with translation.override("en"):
        assert format_eur(Decimal("999999999999.99"), "fr") == (
            f"999{NNBSP}999{NNBSP}999{NNBSP}999,99{NBSP}€"
        )
        assert format_eur(Decimal("999999999999.99")) == "€999,999,999,999.99"
    with translation.override("fr"):
        assert format_meur(Decimal("1500000"), "en") == "€1.5M"
        assert format_number(1234) == f"1{NNBSP}234"
        assert format_date(date(2025, 12, 31), "en") == "December 31, 2025"


def test_nothing_to_show_is_a_dash() -> None:
    assert format_eur(None) == format_meur(None) == format_number(None) == format_date(None) == "—"
