"""Dated parameters: lookup by date, half-open periods, statuses, overrides, kinds."""

from datetime import date
from decimal import Decimal

import pytest

from plania.rules.params import (
    DatedValue,
    Parameter,
    ParameterError,
    ParameterNotInForce,
    ParameterSet,
    coerce_value,
    parse_override,
)


def _ceiling() -> Parameter:
    # De minimis ceilings: EUR 200,000 (1407/2013) until 2023, EUR 300,000 (2023/2831) after.
    return Parameter(
        "ceiling",
        "amount",
        "Plafond",
        "Ceiling",
        (
            DatedValue(date(2014, 1, 1), Decimal(200000), "Reg. 1407/2013", "set"),
            DatedValue(
                date(2024, 1, 1), Decimal(300000), "Reg. 2023/2831", "set", end=date(2031, 1, 1)
            ),
        ),
    )


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2014, 1, 1), Decimal(200000)),
        (date(2023, 12, 31), Decimal(200000)),
        (date(2024, 1, 1), Decimal(300000)),
        (date(2030, 12, 31), Decimal(300000)),
    ],
)
def test_value_at_picks_the_value_in_force(on: date, expected: Decimal) -> None:
    assert _ceiling().value_at(on).value == expected


@pytest.mark.parametrize("on", [date(2013, 12, 31), date(2031, 1, 1)])
def test_no_value_in_force_is_a_clear_error(on: date) -> None:
    with pytest.raises(ParameterNotInForce) as err:
        _ceiling().value_at(on)
    assert "ceiling" in str(err.value) and on.isoformat() in str(err.value)


def test_values_must_be_sorted_and_not_overlap() -> None:
    with pytest.raises(ParameterError, match="sorted"):
        Parameter(
            "x",
            "integer",
            "x",
            "x",
            (
                DatedValue(date(2025, 1, 1), 1, "s", "set"),
                DatedValue(date(2024, 1, 1), 2, "s", "set"),
            ),
        )
    with pytest.raises(ParameterError, match="past the start"):
        Parameter(
            "x",
            "integer",
            "x",
            "x",
            (
                DatedValue(date(2024, 1, 1), 1, "s", "set", end=date(2025, 6, 1)),
                DatedValue(date(2025, 1, 1), 2, "s", "set"),
            ),
        )
    with pytest.raises(ParameterError, match="not after its start"):
        Parameter(
            "x",
            "integer",
            "x",
            "x",
            (DatedValue(date(2024, 1, 1), 1, "s", "set", end=date(2024, 1, 1)),),
        )


def test_resolve_applies_overrides_and_remembers_the_replaced_value() -> None:
    ps = ParameterSet({"ceiling": _ceiling()})
    r = ps.resolve(date(2025, 1, 1), {"ceiling": "250000"})
    assert r["ceiling"].value == Decimal(250000)
    assert r["ceiling"].overridden_from == Decimal(300000)
    assert r["ceiling"].status == "set"
    assert ps.resolve(date(2025, 1, 1))["ceiling"].overridden is False


def test_unknown_override_and_bad_value_are_refused() -> None:
    ps = ParameterSet({"ceiling": _ceiling()})
    with pytest.raises(ParameterError, match="unknown parameter"):
        ps.resolve(date(2025, 1, 1), {"celing": "1"})
    with pytest.raises(ParameterError, match="override of 'ceiling'"):
        ps.resolve(date(2025, 1, 1), {"ceiling": "lots"})


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        ("amount", 200000, Decimal(200000)),
        ("amount", "1_000.50", Decimal("1000.50")),
        ("rate", 0.1, Decimal("0.1")),  # through the decimal text, not the binary float
        ("integer", "8", 8),
        ("boolean", "oui", True),
        ("text", " quarterly ", "quarterly"),
        ("text_list", "09, 31", ("09", "31")),
        ("text_list", ["09", "31"], ("09", "31")),
    ],
)
def test_coerce_value(kind: str, raw: object, expected: object) -> None:
    assert coerce_value(kind, raw) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("amount", "1.001"),
        ("amount", True),
        ("integer", 1.5),
        ("integer", True),
        ("boolean", "maybe"),
        ("text", ""),
        ("text_list", [1, 2]),
        ("rate", "nan"),
    ],
)
def test_coerce_value_refuses(kind: str, raw: object) -> None:
    with pytest.raises(ParameterError):
        coerce_value(kind, raw)  # type: ignore[arg-type]


def test_parse_override() -> None:
    assert parse_override("aid_cap_eur=150000") == ("aid_cap_eur", "150000")
    with pytest.raises(ParameterError):
        parse_override("aid_cap_eur")
