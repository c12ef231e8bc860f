"""Gross grant equivalent (GGE) of a repayable advance.

Source: Communication from the Commission on the revision of the method for setting the
reference and discount rates, OJ C 14, 19.1.2008, p. 6 (2008/C 14/02). The aid element of
a loan or advance is the difference between its principal and the present value of the
repayments, discounted at the reference rate (EU base rate for France + a margin by
rating and collateral). De minimis (Regulation (EU) 2023/2831, art. 4(3)) and GBER
(651/2014, art. 5(2)(b)) count such aid at this GGE. DOMAIN.md, "Gross grant equivalent".

Exact arithmetic (the vectorised path must do the same to agree to the cent)
--------------------------------------------------------------------------
Inputs: principal in integer cents ``P``; reference rate ``r = float(annual_rate)`` (the
Decimal converted once to float64); ``ppy`` periods per year; cash flows at the end of
periods ``q`` in integer cents ``c_q``. With the default zero interest, the flows are the
instalments of ``schedules.split_equal_cents(P, n)`` at ``q = d+1 .. d+n`` (the first
``P % n`` instalments carry one extra cent).

1. Discount factor per period, float64, computed by ``discount_factors``::

       annual:   df_q = 1.0 / (1.0 + r) ** (q / ppy)      # t = q/ppy years, DOMAIN.md
       periodic: df_q = 1.0 / (1.0 + r / ppy) ** q

   The vector path must REUSE these floats (``gge_discount_factors``), not recompute them
   with ``numpy.power``: numpy's SIMD pow differs from the C library's pow by one ulp on
   about 5 % of inputs on AVX-512 machines, which can flip a half-cent.
2. Present value in float cents, accumulated left to right, in period order::

       pv = 0.0
       for each flow in period order: pv = pv + float(c_q) * df_q

   (numpy: ``pv = np.zeros(rows)`` then ``pv = pv + cents[:, i] * df[i]`` for each column
   ``i`` in order; do not use ``np.sum`` or ``@``, whose summation order differs.)
3. Round the present value half up to an integer number of cents, exactly on the float's
   value: ``pv_cents = floor(pv) + (1 if pv - floor(pv) >= 0.5 else 0)`` (``pv - floor(pv)``
   is exact in float64; numpy: ``f = np.floor(pv); f + (pv - f >= 0.5)``).
4. ``gge_cents = max(0, P - pv_cents)``: the aid element cannot be negative; terms at or
   above the reference rate carry no aid. ``gge = gge_cents / 100`` (Decimal).
5. ``ratio = gge / principal`` rounded half up to 4 decimals (0 when the principal is 0).

With a non-zero ``interest_rate``, interest for period ``q`` is
``round_cent(outstanding_before_q * interest_rate / ppy)`` (half up), paid at the end of
every period, deferral included; the flow of period ``q`` is interest plus instalment.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, cast, get_args

from plania.rules.money import ZERO, Money, from_cents, round_cent, to_cents
from plania.rules.schedules import split_equal_cents

Compounding = Literal["annual", "periodic"]
COMPOUNDINGS: tuple[str, ...] = get_args(Compounding)

RATINGS: tuple[str, ...] = ("strong", "good", "satisfactory", "weak", "financial_difficulty")
COLLATERALS: tuple[str, ...] = ("high", "normal", "low")

# Loan margins in basis points, Communication 2008/C 14/02, section "Loan margins in basis
# points". Rating: strong = AAA-A, good = BBB, satisfactory = BB, weak = B, financial
# difficulty = CCC and below. Collateral by loss given default: high <= 30 %, normal
# 31-59 %, low >= 60 %. The base rate is published by the Commission per period: it is an
# input, never a constant here.
MARGINS_BP: Mapping[str, Mapping[str, int]] = {
    "strong": {"high": 60, "normal": 75, "low": 100},
    "good": {"high": 75, "normal": 100, "low": 220},
    "satisfactory": {"high": 100, "normal": 220, "low": 400},
    "weak": {"high": 220, "normal": 400, "low": 650},
    "financial_difficulty": {"high": 400, "normal": 650, "low": 1000},
}

BASIS_POINT = Decimal("0.0001")
RATIO_QUANTUM = Decimal("0.0001")


def reference_rate(
    *,
    base_rate: Decimal,
    rating: str,
    collateral: str,
    margins: Mapping[str, Mapping[str, int]] | None = None,
) -> Decimal:
    """Annual reference rate as a fraction: ``base_rate + margin_bp / 10 000``.

    ``base_rate`` is a fraction too (3.0 % is ``Decimal("0.03")``).
    """
    table = MARGINS_BP if margins is None else margins
    if rating not in table:
        raise ValueError(f"unknown rating {rating!r}; allowed: {', '.join(table)}")
    row = table[rating]
    if collateral not in row:
        raise ValueError(f"unknown collateral {collateral!r}; allowed: {', '.join(row)}")
    return base_rate + row[collateral] * BASIS_POINT


def _check_compounding(compounding: str) -> Compounding:
    if compounding not in COMPOUNDINGS:
        raise ValueError(f"unknown compounding {compounding!r}; allowed: {', '.join(COMPOUNDINGS)}")
    return cast(Compounding, compounding)


def discount_factors(
    *,
    periods: Sequence[int],
    periods_per_year: int,
    annual_rate: float,
    compounding: Compounding,
) -> list[float]:
    """Discount factors (multipliers <= 1 for r >= 0) for the ends of ``periods``.

    annual: ``1 / (1 + r) ** (q / ppy)``; periodic: ``1 / (1 + r / ppy) ** q``.
    Evaluated exactly as written, in float64 (module docstring, step 1).
    """
    if periods_per_year < 1:
        raise ValueError(f"periods_per_year must be >= 1, got {periods_per_year}")
    mode = _check_compounding(compounding)
    r = float(annual_rate)
    if mode == "annual":
        return [1.0 / (1.0 + r) ** (q / periods_per_year) for q in periods]
    return [1.0 / (1.0 + r / periods_per_year) ** q for q in periods]


def gge_discount_factors(
    *,
    deferral_periods: int,
    n_instalments: int,
    periods_per_year: int,
    annual_rate: Decimal,
    compounding: str,
) -> list[float]:
    """The factors ``advance_gge`` applies to the instalments (periods d+1 .. d+n), for the
    vectorised path to reuse as they are (zero-interest advances)."""
    return discount_factors(
        periods=range(deferral_periods + 1, deferral_periods + n_instalments + 1),
        periods_per_year=periods_per_year,
        annual_rate=float(annual_rate),
        compounding=_check_compounding(compounding),
    )


def round_half_up_float(value: float) -> int:
    """Round a float half up to an integer, exactly on its binary value (step 3)."""
    if not math.isfinite(value):
        raise ValueError(f"value must be finite, got {value}")
    whole = math.floor(value)
    return whole + 1 if value - whole >= 0.5 else whole


@dataclass(frozen=True, slots=True)
class DiscountedFlow:
    period: int  # end of period q after the payment of the advance
    amount: Money
    discount_factor: float


@dataclass(frozen=True, slots=True)
class GgeResult:
    principal: Money
    gge: Money
    ratio: Decimal  # gge / principal, 4 decimals
    present_value: Money
    reference_rate: Decimal
    compounding: Compounding
    periods_per_year: int
    interest_rate: Decimal
    instalments: tuple[DiscountedFlow, ...]


def _flows_cents(
    *,
    principal_cents: int,
    interest_rate: Decimal,
    deferral_periods: int,
    n_instalments: int,
    periods_per_year: int,
) -> list[tuple[int, int]]:
    """(period, cents) of every non-zero repayment, in period order."""
    capital = split_equal_cents(principal_cents, n_instalments)
    flows: list[tuple[int, int]] = []
    outstanding = principal_cents
    for q in range(1, deferral_periods + n_instalments + 1):
        interest = 0
        if interest_rate:
            interest = to_cents(
                round_cent(from_cents(outstanding) * interest_rate / periods_per_year)
            )
        repaid = capital[q - deferral_periods - 1] if q > deferral_periods else 0
        outstanding -= repaid
        if interest + repaid:
            flows.append((q, interest + repaid))
    return flows


def advance_gge(
    *,
    principal: Decimal,
    interest_rate: Decimal = ZERO,
    deferral_periods: int,
    n_instalments: int,
    periods_per_year: int,
    annual_rate: Decimal,
    compounding: str,
) -> GgeResult:
    """GGE of an advance repaid in ``n_instalments`` equal instalments after
    ``deferral_periods`` periods, discounted at ``annual_rate`` (the reference rate).

    Arithmetic and rounding: module docstring, steps 1-5.
    """
    if principal < 0:
        raise ValueError(f"principal must be >= 0, got {principal}")
    if deferral_periods < 0:
        raise ValueError(f"deferral_periods must be >= 0, got {deferral_periods}")
    if n_instalments < 1:
        raise ValueError(f"n_instalments must be >= 1, got {n_instalments}")
    if interest_rate < 0:
        raise ValueError(f"interest_rate must be >= 0, got {interest_rate}")
    if periods_per_year < 1:
        raise ValueError(f"periods_per_year must be >= 1, got {periods_per_year}")
    mode = _check_compounding(compounding)
    principal_cents = to_cents(principal)
    flows = _flows_cents(
        principal_cents=principal_cents,
        interest_rate=interest_rate,
        deferral_periods=deferral_periods,
        n_instalments=n_instalments,
        periods_per_year=periods_per_year,
    )
    factors = discount_factors(
        periods=[q for q, _ in flows],
        periods_per_year=periods_per_year,
        annual_rate=float(annual_rate),
        compounding=mode,
    )
    pv = 0.0
    for (_, cents), factor in zip(flows, factors, strict=True):
        pv = pv + float(cents) * factor
    pv_cents = round_half_up_float(pv)
    gge_cents = max(0, principal_cents - pv_cents)
    gge = from_cents(gge_cents)
    ratio = (
        (gge / principal).quantize(RATIO_QUANTUM, rounding=ROUND_HALF_UP)
        if principal_cents
        else Decimal("0.0000")
    )
    return GgeResult(
        principal=from_cents(principal_cents),
        gge=gge,
        ratio=ratio,
        present_value=from_cents(pv_cents),
        reference_rate=annual_rate,
        compounding=mode,
        periods_per_year=periods_per_year,
        interest_rate=interest_rate,
        instalments=tuple(
            DiscountedFlow(period=q, amount=from_cents(cents), discount_factor=factor)
            for (q, cents), factor in zip(flows, factors, strict=True)
        ),
    )
