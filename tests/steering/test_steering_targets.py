"""Each target of the shipped plan files on the known dataset (tests/steering/data.py):
known actuals, trajectories, projections and statuses; the rule itself, table-driven."""

from datetime import date
from decimal import Decimal as D

import pytest

from plania.plans.models import Target
from plania.steering import metrics
from plania.steering.selectors import steering_overview
from plania.steering.services import SteeringError, measurement_record
from plania.steering.trajectory import Goal, assess, status_of
from tests.steering.data import AS_OF, dataset, steering_user


@pytest.mark.parametrize(
    ("actual", "expected", "status"),
    [
        (D(90), D(100), "on_track"),
        (D("89.9"), D(100), "at_risk"),
        (D(70), D(100), "at_risk"),
        (D("69.9"), D(100), "off_track"),
        (D(0), D(0), "on_track"),
        (D(150), D(100), "on_track"),
    ],
)
def test_status_thresholds(actual, expected, status):
    assert status_of(actual, expected) == status


PER_YEAR = Goal("per_year", date(2024, 1, 1), date(2029, 1, 1), baseline=D(15), target_value=D(30))
TOTAL = Goal("total", date(2024, 1, 1), date(2029, 1, 1), baseline=D(0), target_value=D(100))
RATIO = Goal("per_year", date(2024, 1, 1), date(2029, 1, 1), target_ratio=D(2))


@pytest.mark.parametrize(
    ("goal", "series", "as_of", "kind", "year", "actual", "expected", "projection", "status"),
    [
        # 20 creations in 2025 against 15 -> 30 over 2023..2028: expected 21.
        (
            PER_YEAR,
            {2024: 18, 2025: 20, 2026: 6},
            AS_OF,
            "computed",
            2025,
            20,
            D(21),
            D("27.5"),
            "on_track",
        ),
        # Only the running year: 6 by 2 July against 18 x 50.1 % of the year.
        # Annualised, 12 a year is below the baseline: the line falls to 0 (never below).
        (
            PER_YEAR,
            {2024: 6},
            date(2024, 7, 2),
            "computed",
            2024,
            6,
            D("9.0"),
            D("0.0"),
            "off_track",
        ),
        # Total: 27 projects half-way (913 of 1827 days): expected 50.0, pace 54.0.
        (
            TOTAL,
            {2024: 10, 2025: 12, 2026: 5},
            AS_OF,
            "computed",
            2026,
            27,
            D("50.0"),
            D("54.0"),
            "off_track",
        ),
        (
            TOTAL,
            {2024: 20, 2025: 20},
            date(2026, 1, 1),
            "computed",
            2026,
            40,
            D("40.0"),
            D("100.0"),
            "on_track",
        ),
        # Doubling an unknown baseline: the first figure entered is the baseline.
        (
            RATIO,
            {2024: 1000, 2025: 1300},
            AS_OF,
            "entered",
            2025,
            1300,
            D(1250),
            D(2200),
            "on_track",
        ),
        (RATIO, {}, AS_OF, "entered", None, None, None, None, "no_data"),
    ],
)
def test_assess(goal, series, as_of, kind, year, actual, expected, projection, status):
    a = assess(goal, {y: D(v) for y, v in series.items()}, as_of=as_of, kind=kind)
    assert (a.year, a.actual, a.expected, a.projection, a.status) == (
        year,
        None if actual is None else D(actual),
        expected,
        projection,
        status,
    )


@pytest.fixture
def data(db):
    return dataset()


def _rows(as_of=AS_OF):
    return {r.target.code: r for r in steering_overview(as_of=as_of).targets}


def test_metrics_count_from_planias_data(data):
    t = {t.code: t for t in Target.objects.all()}
    assert metrics.compute(t["innovation-projects"]) == {2024: 10, 2025: 12, 2026: 5}
    # 3 companies of 2023 are before the period; the 5 shops (47.11F) are not AI.
    assert metrics.compute(t["ai-company-creations"]) == {2024: 18, 2025: 20, 2026: 6}
    # Four awards, three distinct companies.
    assert metrics.compute(t["jei-per-year"]) == {2025: 3}
    assert metrics.compute(t["people-trained"]) is None  # entered only


# (code, entered figures, judged on, year, actual, expected, projection, status)
CASES = [
    ("innovation-projects", {}, "computed", 2026, 27, D("50.0"), D("54.0"), "off_track"),
    ("ai-company-creations", {}, "computed", 2025, 20, D(21), D("27.5"), "on_track"),
    # Both measures: the observatory's figure gives the status when there is one.
    ("ai-company-creations", {2025: 12}, "entered", 2025, 12, D(21), D("7.5"), "off_track"),
    ("jei-per-year", {}, "computed", 2025, 3, D("62.5"), D("0.0"), "off_track"),
    ("jei-per-year", {2025: 60}, "entered", 2025, 60, D("62.5"), D(90), "on_track"),
    ("jei-per-year", {2025: 45}, "entered", 2025, 45, D("62.5"), D(30), "at_risk"),
    (
        "people-trained",
        {2024: 1000, 2025: 1300},
        "entered",
        2025,
        1300,
        D(1250),
        D(2200),
        "on_track",
    ),
    ("people-trained", {}, "entered", None, None, None, None, "no_data"),
    ("annual-ai-meeting", {}, "entered", None, None, None, None, "no_data"),
    ("annual-ai-meeting", {2024: 1, 2025: 1}, "entered", 2025, 1, D(1), D(1), "on_track"),
]


@pytest.mark.parametrize(
    ("code", "entered", "judged_on", "year", "actual", "expected", "projection", "status"), CASES
)
def test_each_target_on_the_dataset(
    data, code, entered, judged_on, year, actual, expected, projection, status
):
    user = steering_user()
    target = Target.objects.get(code=code)
    for y, value in entered.items():
        measurement_record(
            target=target, year=y, value=value, measured_on=date(2026, 3, 1),
            source="Bilan", actor=user,
        )  # fmt: skip
    row = _rows()[code]
    a = row.assessment
    assert row.judged_on == judged_on
    assert (a.year, a.actual, a.expected, a.projection, a.status) == (
        year,
        None if actual is None else D(actual),
        expected,
        projection,
        status,
    )


def test_both_measures_are_kept_side_by_side(data):
    user = steering_user()
    target = Target.objects.get(code="jei-per-year")
    measurement_record(
        target=target, year=2025, value=60, measured_on=date(2026, 3, 1),
        source="DGFiP", actor=user,
    )  # fmt: skip
    row = _rows()["jei-per-year"]
    years = {y: (c, e) for y, c, e, _ in row.years}
    assert years[2025] == (D(3), D(60))
    assert years[2026] == (D(0), None)


def test_a_correction_is_a_new_row_and_the_latest_counts(data):
    user = steering_user()
    target = Target.objects.get(code="jei-per-year")
    for value in (40, 60):
        measurement_record(
            target=target, year=2025, value=value, measured_on=date(2026, 3, 1),
            source="DGFiP", actor=user,
        )  # fmt: skip
    assert target.measurements.count() == 2
    assert _rows()["jei-per-year"].assessment.actual == D(60)


def test_measurement_refusals(data):
    user = steering_user()
    computed = Target.objects.get(code="innovation-projects")
    with pytest.raises(SteeringError) as exc:
        measurement_record(
            target=computed, year=2031, value=-1, measured_on=date(2026, 3, 1), source=" ",
            actor=user,
        )  # fmt: skip
    assert set(exc.value.errors) == {"target", "year", "value", "source"}
    outsider = steering_user()
    outsider.groups.clear()
    with pytest.raises(SteeringError):
        measurement_record(
            target=Target.objects.get(code="jei-per-year"), year=2025, value=1,
            measured_on=date(2026, 3, 1), source="x", actor=outsider,
        )  # fmt: skip
