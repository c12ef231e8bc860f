"""Repayment schedules and failure findings of repayable advances."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plania.rules.schedules import (
    Instalment,
    RepaymentTerms,
    add_months,
    failure_finding,
    repayment_schedule,
    split_equal_cents,
)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 1, 31), 3, date(2025, 4, 30)),
        (date(2025, 11, 15), 3, date(2026, 2, 15)),
        (date(2028, 2, 29), -36, date(2025, 2, 28)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2025, 6, 30), 0, date(2025, 6, 30)),
    ],
)
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_domain_example_schedule() -> None:
    # DOMAIN.md: EUR 150,000, 8 quarters of deferral, 20 quarterly instalments of 7,500.
    terms = RepaymentTerms(deferral_periods=8, n_instalments=20, frequency="quarterly")
    schedule = repayment_schedule(principal=Decimal("150000"), start=date(2025, 1, 31), terms=terms)
    assert len(schedule) == 20
    assert {i.amount for i in schedule} == {Decimal("7500.00")}
    assert schedule[0] == Instalment(number=1, due=date(2027, 4, 30), amount=Decimal("7500.00"))
    assert schedule[1].due == date(2027, 7, 31)  # from the start date: the 31st comes back
    assert schedule[-1] == Instalment(number=20, due=date(2032, 1, 31), amount=Decimal("7500.00"))


@pytest.mark.parametrize(
    ("principal", "n", "expected"),
    [
        (Decimal("100.00"), 3, ["33.34", "33.33", "33.33"]),
        (Decimal("100.01"), 3, ["33.34", "33.34", "33.33"]),
        (Decimal("0.02"), 4, ["0.01", "0.01", "0.00", "0.00"]),
        (Decimal("10"), 1, ["10.00"]),
    ],
)
def test_extra_cents_go_to_the_first_instalments(
    principal: Decimal, n: int, expected: list[str]
) -> None:
    terms = RepaymentTerms(deferral_periods=0, n_instalments=n, frequency="annual")
    schedule = repayment_schedule(principal=principal, start=date(2025, 6, 15), terms=terms)
    assert [i.amount for i in schedule] == [Decimal(x) for x in expected]
    assert [i.due for i in schedule] == [date(2026 + k, 6, 15) for k in range(n)]


def test_monthly_dates() -> None:
    terms = RepaymentTerms(deferral_periods=1, n_instalments=3, frequency="monthly")
    schedule = repayment_schedule(principal=Decimal("300"), start=date(2025, 12, 31), terms=terms)
    assert [i.due for i in schedule] == [date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"deferral_periods": -1},
        {"n_instalments": 0},
        {"frequency": "weekly"},
        {"forgiveness_share_on_failure": Decimal("1.01")},
        {"forgiveness_share_on_failure": Decimal("-0.1")},
        {"forgiveness_share_on_failure": Decimal("NaN")},
    ],
)
def test_terms_validation(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"deferral_periods": 4, "n_instalments": 8}
    args.update(kwargs)
    with pytest.raises(ValueError):
        RepaymentTerms(**args)  # type: ignore[arg-type]


def test_sub_cent_principal_is_rejected() -> None:
    terms = RepaymentTerms(deferral_periods=0, n_instalments=2)
    with pytest.raises(ValueError, match="fraction of a cent"):
        repayment_schedule(principal=Decimal("1.005"), start=date(2025, 1, 1), terms=terms)


# Schedule of EUR 100,000 in 4 annual instalments of 25,000 due 2027..2030-03-01.
SCHEDULE = repayment_schedule(
    principal=Decimal("100000"),
    start=date(2025, 3, 1),
    terms=RepaymentTerms(deferral_periods=1, n_instalments=4, frequency="annual"),
)


@pytest.mark.parametrize(
    ("repaid", "on", "share", "arrears_forgivable", "expected"),
    [
        # (remaining_before, forgiven, still_due, arrears)
        ("0", date(2026, 12, 31), "0.5", True, ("100000", "50000", "50000", "0")),
        ("25000", date(2027, 3, 1), "0.5", True, ("75000", "37500", "37500", "0")),
        # Second instalment due and unpaid: arrears of 25,000.
        ("25000", date(2028, 3, 1), "0.5", True, ("75000", "37500", "37500", "25000")),
        ("25000", date(2028, 3, 1), "0.5", False, ("75000", "25000", "50000", "25000")),
        ("0", date(2026, 1, 1), "0.333", True, ("100000", "33300", "66700", "0")),
        ("99999.99", date(2031, 1, 1), "0.5", True, ("0.01", "0.01", "0.00", "0.01")),
        ("100000", date(2031, 1, 1), "1", True, ("0", "0", "0", "0")),
        ("10000", date(2026, 1, 1), "0", True, ("90000", "0", "90000", "0")),
    ],
)
def test_failure_finding(
    repaid: str,
    on: date,
    share: str,
    arrears_forgivable: bool,
    expected: tuple[str, str, str, str],
) -> None:
    outcome = failure_finding(
        schedule=SCHEDULE,
        repaid_to_date=Decimal(repaid),
        on=on,
        forgiveness_share=Decimal(share),
        arrears_forgivable=arrears_forgivable,
    )
    got = (outcome.remaining_before, outcome.forgiven, outcome.still_due, outcome.arrears)
    assert got == tuple(Decimal(x) for x in expected)
    assert outcome.arrears + outcome.not_yet_due == outcome.remaining_before


def test_failure_finding_rejects_overpayment() -> None:
    with pytest.raises(ValueError, match="exceeds"):
        failure_finding(
            schedule=SCHEDULE,
            repaid_to_date=Decimal("100000.01"),
            on=date(2030, 1, 1),
            forgiveness_share=Decimal("0.5"),
        )


principals = st.integers(min_value=1, max_value=1_000_000_000).map(lambda c: Decimal(c) / 100)
terms_strategy = st.builds(
    RepaymentTerms,
    deferral_periods=st.integers(min_value=0, max_value=16),
    n_instalments=st.integers(min_value=1, max_value=120),
    frequency=st.sampled_from(["monthly", "quarterly", "annual"]),
    forgiveness_share_on_failure=st.decimals(min_value=0, max_value=1, places=4),
)
starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))


@given(principal=principals, terms=terms_strategy, start=starts)
def test_schedule_properties(principal: Decimal, terms: RepaymentTerms, start: date) -> None:
    schedule = repayment_schedule(principal=principal, start=start, terms=terms)
    amounts = [i.amount for i in schedule]
    assert len(schedule) == terms.n_instalments
    assert sum(amounts) == principal
    assert all(a.as_tuple().exponent == -2 for a in amounts)
    assert all(
        Decimal(0) <= a - b <= Decimal("0.01") for a, b in zip(amounts, amounts[1:], strict=False)
    )
    assert max(amounts) - min(amounts) <= Decimal("0.01")
    assert [i.number for i in schedule] == list(range(1, terms.n_instalments + 1))
    dues = [i.due for i in schedule]
    assert dues == sorted(dues) and len(set(dues)) == len(dues)
    assert dues[0] > start


@given(
    principal=principals,
    terms=terms_strategy,
    start=starts,
    paid_fraction=st.fractions(min_value=0, max_value=1),
    days_after=st.integers(min_value=0, max_value=15_000),
    arrears_forgivable=st.booleans(),
)
def test_failure_finding_properties(
    principal: Decimal,
    terms: RepaymentTerms,
    start: date,
    paid_fraction: Fraction,
    days_after: int,
    arrears_forgivable: bool,
) -> None:
    schedule = repayment_schedule(principal=principal, start=start, terms=terms)
    cents = int(principal * 100)
    repaid = Decimal(int(cents * paid_fraction)) / 100
    outcome = failure_finding(
        schedule=schedule,
        repaid_to_date=repaid,
        on=start + timedelta(days=days_after),
        forgiveness_share=terms.forgiveness_share_on_failure,
        arrears_forgivable=arrears_forgivable,
    )
    assert outcome.remaining_before == principal - repaid
    assert outcome.forgiven + outcome.still_due == outcome.remaining_before
    assert Decimal(0) <= outcome.forgiven <= outcome.remaining_before
    assert outcome.arrears + outcome.not_yet_due == outcome.remaining_before
    assert outcome.arrears >= 0 and outcome.not_yet_due >= 0
    if not arrears_forgivable:
        assert outcome.still_due >= outcome.arrears


def test_split_equal_cents_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        split_equal_cents(100, 0)
    with pytest.raises(ValueError):
        split_equal_cents(-1, 3)
