"""GGE of repayable advances (Communication 2008/C 14/02; DOMAIN.md worked example)."""

from __future__ import annotations

import math
import random
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest

from plania.rules.gge import (
    MARGINS_BP,
    GgeResult,
    advance_gge,
    discount_factors,
    gge_discount_factors,
    reference_rate,
    round_half_up_float,
)
from plania.rules.money import round_euro, to_cents

BASE = Decimal("0.030")


# DOMAIN.md, "Gross grant equivalent": EUR 150,000 at 0 %, 8 quarters of deferral, then 20
# quarterly instalments of EUR 7,500 at the end of quarters 9..28.
@pytest.mark.parametrize(
    ("margin_bp", "compounding", "expected_euros", "expected_ratio_pct"),
    [
        (220, "annual", Decimal("31033"), Decimal("20.7")),
        (400, "annual", Decimal("39781"), Decimal("26.5")),
        (650, "annual", Decimal("50571"), Decimal("33.7")),
        (220, "periodic", Decimal("31554"), Decimal("21.0")),
    ],
)
def test_domain_worked_example(
    margin_bp: int, compounding: str, expected_euros: Decimal, expected_ratio_pct: Decimal
) -> None:
    rate = BASE + Decimal(margin_bp) / 10000
    result = advance_gge(
        principal=Decimal("150000"),
        deferral_periods=8,
        n_instalments=20,
        periods_per_year=4,
        annual_rate=rate,
        compounding=compounding,
    )
    assert round_euro(result.gge) == expected_euros
    assert (result.ratio * 100).quantize(Decimal("0.1")) == expected_ratio_pct
    assert [f.period for f in result.instalments] == list(range(9, 29))
    assert {f.amount for f in result.instalments} == {Decimal("7500.00")}
    assert result.gge + result.present_value == Decimal("150000.00")
    assert result.reference_rate == rate
    assert result.compounding == compounding


def test_worked_example_to_the_cent() -> None:
    # Pinned so that any change of arithmetic or rounding order shows up here.
    result = advance_gge(
        principal=Decimal("150000"),
        deferral_periods=8,
        n_instalments=20,
        periods_per_year=4,
        annual_rate=Decimal("0.052"),
        compounding="annual",
    )
    assert result.gge == Decimal("31032.73")
    assert result.ratio == Decimal("0.2069")


@pytest.mark.parametrize(
    ("rating", "collateral", "expected"),
    [
        ("strong", "high", Decimal("0.0360")),
        ("good", "normal", Decimal("0.0400")),
        ("good", "low", Decimal("0.0520")),
        ("satisfactory", "low", Decimal("0.0700")),
        ("weak", "low", Decimal("0.0950")),
        ("financial_difficulty", "low", Decimal("0.1300")),
    ],
)
def test_reference_rate(rating: str, collateral: str, expected: Decimal) -> None:
    assert reference_rate(base_rate=BASE, rating=rating, collateral=collateral) == expected


def test_margin_table_is_monotone() -> None:
    # Worse rating or less collateral never lowers the margin (2008/C 14/02 table).
    ratings = list(MARGINS_BP)
    for rating in ratings:
        row = MARGINS_BP[rating]
        assert row["high"] < row["normal"] < row["low"]
    for better, worse in zip(ratings, ratings[1:], strict=False):
        for collateral in ("high", "normal", "low"):
            assert MARGINS_BP[better][collateral] < MARGINS_BP[worse][collateral]


def test_reference_rate_custom_margins() -> None:
    margins = {"house": {"any": 123}}
    rate = reference_rate(base_rate=BASE, rating="house", collateral="any", margins=margins)
    assert rate == Decimal("0.0423")


@pytest.mark.parametrize(
    ("rating", "collateral", "message"),
    [
        ("excellent", "high", "strong, good, satisfactory, weak, financial_difficulty"),
        ("good", "medium", "high, normal, low"),
    ],
)
def test_reference_rate_unknown_names(rating: str, collateral: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        reference_rate(base_rate=BASE, rating=rating, collateral=collateral)


def test_discount_factors_conventions() -> None:
    annual = discount_factors(
        periods=[4, 8], periods_per_year=4, annual_rate=0.05, compounding="annual"
    )
    assert annual == [1 / 1.05, 1 / 1.05**2]
    periodic = discount_factors(
        periods=[1, 4], periods_per_year=4, annual_rate=0.04, compounding="periodic"
    )
    assert periodic == [1 / 1.01, 1 / 1.01**4]
    with pytest.raises(ValueError, match="annual, periodic"):
        discount_factors(periods=[1], periods_per_year=4, annual_rate=0.04, compounding="x")  # type: ignore[arg-type]


def _advance(*, interest: str, rate: str, compounding: str) -> GgeResult:
    return advance_gge(
        principal=Decimal("100000"),
        interest_rate=Decimal(interest),
        deferral_periods=4,
        n_instalments=12,
        periods_per_year=4,
        annual_rate=Decimal(rate),
        compounding=compounding,
    )


def test_zero_rate_means_no_aid_and_interest_at_reference_rate_is_about_no_aid() -> None:
    assert _advance(interest="0", rate="0", compounding="annual").gge == Decimal("0.00")
    # Interest at the reference rate, paid every period, periodic compounding: the lender
    # is paid exactly the market price, up to the cent roundings of the interest.
    market = _advance(interest="0.06", rate="0.06", compounding="periodic")
    assert market.gge <= Decimal("0.10")
    assert market.instalments[0].period == 1  # interest is paid during the deferral
    assert market.instalments[0].amount == Decimal("1500.00")  # 100,000 x 6 % / 4
    assert len(market.instalments) == 16
    # Interest above the reference rate: negative aid element floored at zero.
    assert _advance(interest="0.10", rate="0.06", compounding="periodic").gge == Decimal("0.00")
    # Some interest, below the reference rate: less aid than at zero interest.
    some = _advance(interest="0.02", rate="0.06", compounding="periodic").gge
    none = _advance(interest="0", rate="0.06", compounding="periodic").gge
    assert Decimal(0) < some < none


def test_gge_rises_with_deferral_and_rate() -> None:
    def gge(deferral: int, rate: str) -> Decimal:
        return advance_gge(
            principal=Decimal("200000"),
            deferral_periods=deferral,
            n_instalments=16,
            periods_per_year=4,
            annual_rate=Decimal(rate),
            compounding="annual",
        ).gge

    assert gge(4, "0.05") < gge(8, "0.05") < gge(12, "0.05")
    assert gge(8, "0.04") < gge(8, "0.05") < gge(8, "0.07")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"principal": Decimal("-1")},
        {"principal": Decimal("10.001")},
        {"deferral_periods": -1},
        {"n_instalments": 0},
        {"periods_per_year": 0},
        {"compounding": "continuous"},
        {"interest_rate": Decimal("-0.01")},
    ],
)
def test_advance_gge_rejects_bad_input(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = dict(
        principal=Decimal("1000"),
        deferral_periods=2,
        n_instalments=4,
        periods_per_year=4,
        annual_rate=Decimal("0.05"),
        compounding="annual",
    )
    args.update(kwargs)
    with pytest.raises(ValueError):
        advance_gge(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.5, 1),
        (1.4999999999999998, 1),
        (2.5, 3),
        (0.49999999999999994, 0),  # floor(x + 0.5) would give 1 here
        (12345.0, 12345),
        (4503599627370495.5, 4503599627370496),
    ],
)
def test_round_half_up_float_is_exact(value: float, expected: int) -> None:
    assert round_half_up_float(value) == expected
    assert round_half_up_float(value) == int(
        Decimal(value).to_integral_value(rounding=ROUND_HALF_UP)
    )


@pytest.mark.parametrize(
    ("principal", "expected_gge"),
    [
        # r = 100 % a year, one annual instalment: df = 0.5 exactly, so pv lands on a
        # half-cent. Half up: pv 0.5 -> 1, 1.5 -> 2, 2.5 -> 3 (banker's rounding: 0, 2, 2).
        ("0.01", "0.00"),
        ("0.03", "0.01"),
        ("0.05", "0.02"),
    ],
)
def test_present_value_ties_round_half_up(principal: str, expected_gge: str) -> None:
    result = advance_gge(
        principal=Decimal(principal),
        deferral_periods=0,
        n_instalments=1,
        periods_per_year=1,
        annual_rate=Decimal("1"),
        compounding="annual",
    )
    assert result.instalments[0].discount_factor == 0.5
    assert result.gge == Decimal(expected_gge)


def _vector_gge_cents(
    principal_cents: np.ndarray, *, deferral: int, n: int, ppy: int, rate: Decimal, mode: str
) -> np.ndarray:
    """The numpy recipe of the gge module docstring, written independently here."""
    df = np.asarray(
        gge_discount_factors(
            deferral_periods=deferral,
            n_instalments=n,
            periods_per_year=ppy,
            annual_rate=rate,
            compounding=mode,
        ),
        dtype=np.float64,
    )
    base, extra = np.divmod(principal_cents, n)
    cents = base[:, None] + (np.arange(n)[None, :] < extra[:, None])
    pv = np.zeros(principal_cents.shape[0], dtype=np.float64)
    for i in range(n):
        pv = pv + cents[:, i].astype(np.float64) * df[i]
    whole = np.floor(pv)
    pv_cents = whole.astype(np.int64) + (pv - whole >= 0.5)
    return np.maximum(0, principal_cents - pv_cents)


@pytest.mark.parametrize(
    ("deferral", "n", "ppy", "rate", "mode"),
    [
        (8, 20, 4, Decimal("0.052"), "annual"),
        (8, 20, 4, Decimal("0.052"), "periodic"),
        (2, 7, 1, Decimal("0.0935"), "annual"),
        (12, 60, 12, Decimal("0.0417"), "annual"),
        (0, 1, 4, Decimal("0.13"), "periodic"),
    ],
)
def test_numpy_path_agrees_to_the_cent(
    deferral: int, n: int, ppy: int, rate: Decimal, mode: str
) -> None:
    rng = random.Random(20080119)  # OJ C 14 of 19.1.2008
    principals = [rng.randint(1, 1_000_000_000) for _ in range(997)] + [1, 7, 1_000_000_000]
    vector = _vector_gge_cents(
        np.array(principals, dtype=np.int64), deferral=deferral, n=n, ppy=ppy, rate=rate, mode=mode
    )
    scalar = [
        to_cents(
            advance_gge(
                principal=Decimal(p) / 100,
                deferral_periods=deferral,
                n_instalments=n,
                periods_per_year=ppy,
                annual_rate=rate,
                compounding=mode,
            ).gge
        )
        for p in principals
    ]
    assert len(scalar) == 1000
    assert vector.tolist() == scalar


def test_factors_are_plain_python_pow() -> None:
    # The documented formula, evaluated with Python floats, is what the module returns.
    factors = gge_discount_factors(
        deferral_periods=8,
        n_instalments=20,
        periods_per_year=4,
        annual_rate=Decimal("0.052"),
        compounding="annual",
    )
    assert factors == [1.0 / (1.0 + 0.052) ** (q / 4) for q in range(9, 29)]
    assert all(0 < f < 1 for f in factors)
    assert factors == sorted(factors, reverse=True)
    assert math.isclose(factors[-1], 1.052**-7)
