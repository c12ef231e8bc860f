"""The vectorised path gives exactly the scalar path's results, to the cent (issue 3 item 5)."""

from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plania.rules.award import AwardContext, compute_award
from plania.rules.schemes import Scheme, find_scheme
from plania.rules.simulate import read_applications, synthetic_applications
from plania.rules.vector import (
    VectorRules,
    scalar_row,
    table_from_polars,
    table_from_records,
    vector_row,
)

AT = date(2025, 6, 1)


@cache
def scheme(identifier: str) -> Scheme:
    return find_scheme(identifier, AT)


def _maybe(s: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    # Missing values (None or an empty cell) must give "unknown" on both paths.
    return st.one_of(st.none(), st.just(""), s, s, s, s)


DAY0 = date(2010, 1, 1)
dates = st.one_of(
    st.integers(0, 6200).map(lambda d: DAY0 + timedelta(days=d)),
    st.sampled_from([date(2016, 2, 29), date(2017, 6, 1), date(2024, 2, 29), date(2020, 6, 1)]),
)
app_dates = st.one_of(
    st.integers(0, 500).map(lambda d: date(2024, 6, 1) + timedelta(days=d)),
    st.sampled_from([date(2025, 5, 31), date(2025, 6, 1), date(2024, 2, 28), date(2025, 3, 1)]),
)


def money(hi: int, edges: list[int]) -> st.SearchStrategy[Any]:
    cents = st.integers(0, hi * 100).map(lambda c: Decimal(c) / 100)
    return st.one_of(
        st.integers(0, hi), cents, st.sampled_from(edges), st.sampled_from(edges).map(str)
    )


records = st.fixed_dictionaries(
    {
        "creation_date": _maybe(dates.map(lambda d: d.isoformat())),
        "application_date": _maybe(app_dates),
        "department": _maybe(st.sampled_from(["31", "9", "09", "75", "2A", " 34", "66", "12"])),
        "headcount": _maybe(st.one_of(st.integers(0, 400), st.sampled_from([49, 50, 249, 250]))),
        "turnover_eur": _maybe(money(80_000_000, [10_000_000, 10_000_001, 50_000_000, 50_000_001])),
        "balance_sheet_eur": _maybe(
            money(60_000_000, [10_000_000, 10_000_001, 43_000_000, 43_000_001])
        ),
        "deep_tech": _maybe(st.sampled_from([0, 1, True, False, "0", "1"])),
        "lab_collaboration": _maybe(st.sampled_from([0, 1, "1"])),
        "eligible_cost_eur": _maybe(money(700_000, [0, 1, 49_999, 50_000, 200_000, 200_001])),
        "requested_eur": _maybe(money(500_000, [0, 1, 50_000, 50_001, 199_999, 200_000])),
        "prior_de_minimis_eur": _maybe(money(320_000, [0, 100_000, 250_000, 300_000])),
    }
)

common_overrides = st.fixed_dictionaries(
    {},
    optional={
        "aid_cap_eur": st.integers(0, 400_000).map(str),
        "grant_cap_eur": st.one_of(st.integers(0, 250_000).map(str), st.just("49999.50")),
        "eu_base_rate_fr": st.integers(0, 900).map(lambda b: str(Decimal(b) / 10000)),
        "borrower_rating": st.sampled_from(
            ["strong", "good", "satisfactory", "weak", "financial_difficulty"]
        ),
        "collateral_level": st.sampled_from(["high", "normal", "low"]),
        "gge_compounding": st.sampled_from(["annual", "periodic"]),
        "advance_deferral_periods": st.integers(0, 16).map(str),
        "advance_instalments": st.integers(1, 40).map(str),
        "advance_frequency": st.sampled_from(["monthly", "quarterly", "annual"]),
    },
)
cases = st.one_of(
    st.tuples(st.just("startup-industrie-demain"), common_overrides),
    st.tuples(
        st.just("ia-rd-projets"),
        st.tuples(
            common_overrides,
            st.dictionaries(
                st.just("aid_intensity"),
                st.integers(0, 10000).map(lambda i: str(Decimal(i) / 10000)),
                max_size=1,
            ),
        ).map(lambda t: {**t[0], **t[1]}),
    ),
)


@settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=cases, rows=st.lists(records, min_size=1, max_size=8))
def test_vector_equals_scalar_to_the_cent(
    case: tuple[str, dict[str, str]], rows: list[dict[str, Any]]
) -> None:
    identifier, overrides = case
    ctx = AwardContext.build(scheme(identifier), AT, overrides)
    result = VectorRules.build(ctx).evaluate(table_from_records(rows))
    for i, row in enumerate(rows):
        assert vector_row(result, i) == scalar_row(compute_award(row, ctx)), row


def test_polars_table_from_the_csv_reader_equals_scalar(tmp_path: Path) -> None:
    """The CSV path (read_applications + table_from_polars) agrees with the scalar path."""
    csv = tmp_path / "apps.csv"
    synthetic_applications(3000, seed=7, missing_rate=0.05).write_csv(csv)
    apps = read_applications(csv)
    assert not apps.errors
    ctx = AwardContext.build(scheme("startup-industrie-demain"), AT)
    result = VectorRules.build(ctx).evaluate(table_from_polars(apps.frame))
    records = apps.frame.to_dicts()
    for i, row in enumerate(records):
        assert vector_row(result, i) == scalar_row(compute_award(row, ctx)), row
    # The sample exercises every outcome.
    assert set(np.unique(result.eligible)) == {0, 1, 2}
    assert set(np.unique(result.de_minimis)) >= {-1, 0, 1, 2}
    assert result.fundable.any() and (result.advance_cents > 0).any()


def test_absent_column_is_unknown_for_every_row() -> None:
    rows = [{"department": "31"}, {"department": "75"}]
    ctx = AwardContext.build(scheme("startup-industrie-demain"), AT)
    table = table_from_records(rows)
    del table.columns["deep_tech"]
    result = VectorRules.build(ctx).evaluate(table)
    assert list(result.criteria["deep_tech"]) == [1, 1]
    assert list(result.eligible) == [1, 0]
