"""Where a target stands: the trajectory needed, the actual to date, a projection to the
end of the period and a status. Pure Python (no Django), tested with tables.

The rule (shown on the steering page, STATUS_RULE):

- The trajectory is linear from the baseline to the target over the period.
  * "total" targets (100 projects over 5 years): expected to date = baseline +
    (target - baseline) x share of the period elapsed; the actual is the baseline plus
    what was counted since the start (computed), or the latest level reported (entered).
  * "per_year" targets (30 creations a year by 2028): the baseline is the figure of the
    baseline year (by default the year before the period), the target that of the last
    year of the period; expected(year) is on the line between them. The year judged is
    the latest complete year of the period with a figure; if none is complete yet, the
    current year, against its expected figure prorated by the share of the year elapsed.
- ratio = actual / expected. ON TRACK if ratio >= 90 %, AT RISK if >= 70 %, OFF TRACK
  below; NO DATA when there is no figure yet (or no baseline to apply a ratio to).
- Projection: the pace so far extended linearly to the end of the period ("total":
  baseline + gain so far / share elapsed; "per_year": the line from the baseline through
  the year judged, read at the last year; never below 0).
- A target "doubling" an unknown baseline (ratio without a baseline) takes as baseline
  the first figure entered, in its year.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

ON_TRACK_SHARE = Decimal("0.90")
AT_RISK_SHARE = Decimal("0.70")

ON_TRACK = "on_track"
AT_RISK = "at_risk"
OFF_TRACK = "off_track"
NO_DATA = "no_data"

TOTAL = "total"
PER_YEAR = "per_year"

ZERO = Decimal(0)
TENTH = Decimal("0.1")


def status_of(actual: Decimal, expected: Decimal) -> str:
    if expected <= 0:
        return ON_TRACK
    ratio = actual / expected
    if ratio >= ON_TRACK_SHARE:
        return ON_TRACK
    if ratio >= AT_RISK_SHARE:
        return AT_RISK
    return OFF_TRACK


def _r(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


def _share(start: date, end: date, on: date) -> Decimal:
    """Share of [start, end) elapsed on `on` (0 to 1)."""
    if on <= start:
        return ZERO
    if on >= end:
        return Decimal(1)
    return Decimal((on - start).days) / Decimal((end - start).days)


@dataclass
class Goal:
    frequency: str
    period_start: date
    period_end: date  # excluded
    baseline: Decimal | None = None
    baseline_year: int | None = None
    target_value: Decimal | None = None
    target_ratio: Decimal | None = None

    @property
    def last_year(self) -> int:
        return (self.period_end - timedelta(days=1)).year

    @property
    def years(self) -> list[int]:
        return list(range(self.period_start.year, self.last_year + 1))


@dataclass
class Assessment:
    status: str
    baseline: Decimal | None
    baseline_year: int | None
    target: Decimal | None
    actual: Decimal | None = None
    # The year the actual is about (per_year), or the year of the as-of date (total).
    year: int | None = None
    expected: Decimal | None = None
    ratio: Decimal | None = None
    projection: Decimal | None = None
    # True when the year judged is still running (its expected figure is prorated).
    partial_year: bool = False
    # Per year of the period: (year, expected at the end of that year, actual or None).
    trajectory: list[tuple[int, Decimal, Decimal | None]] = field(default_factory=list)

    @property
    def ratio_percent(self) -> Decimal | None:
        return None if self.ratio is None else _r(self.ratio * 100)


def assess(goal: Goal, series: dict[int, Decimal], *, as_of: date, kind: str) -> Assessment:
    """Assess `series` ({year: value}) against `goal` on `as_of`.

    kind "computed": yearly flows counted by PlanIA (the running year is partial);
    kind "entered": figures reported for complete years (for a "total" target, levels).
    """
    series = {y: Decimal(v) for y, v in series.items() if y <= as_of.year}
    baseline, baseline_year = goal.baseline, goal.baseline_year
    if baseline is None and goal.target_ratio is not None:
        if not series:
            return Assessment(NO_DATA, None, None, None)
        baseline_year = min(series)
        baseline = series[baseline_year]
    if goal.target_value is not None:
        target = Decimal(goal.target_value)
    else:
        target = (baseline or ZERO) * Decimal(goal.target_ratio or 1)
    if baseline is None:
        # No stated starting point: a yearly target is expected every year; a total from 0.
        baseline = target if goal.frequency == PER_YEAR else ZERO
    if goal.frequency == PER_YEAR:
        return _per_year(goal, series, as_of, kind, baseline, baseline_year, target)
    return _total(goal, series, as_of, kind, baseline, baseline_year, target)


def _total(goal, series, as_of, kind, baseline, baseline_year, target) -> Assessment:  # type: ignore[no-untyped-def]
    def expected_on(on: date) -> Decimal:
        return baseline + (target - baseline) * _share(goal.period_start, goal.period_end, on)

    levels: dict[int, Decimal] = {}
    running = baseline
    for year in goal.years:
        if kind == "computed":
            running += series.get(year, ZERO)
            if year <= as_of.year:
                levels[year] = running
        elif year in series:
            levels[year] = series[year]
    trajectory = [(y, _r(expected_on(date(y + 1, 1, 1))), levels.get(y)) for y in goal.years]
    out = Assessment(NO_DATA, baseline, baseline_year, target, trajectory=trajectory)
    if not levels or as_of < goal.period_start:
        return out
    year = max(levels)
    actual = levels[year]
    on = as_of if kind == "computed" else min(as_of, date(year + 1, 1, 1))
    expected = expected_on(on)
    share = _share(goal.period_start, goal.period_end, on)
    out.actual, out.year, out.expected = actual, year, _r(expected)
    out.ratio = None if expected <= 0 else actual / expected
    out.status = status_of(actual, expected)
    out.projection = _r(max(ZERO, baseline + (actual - baseline) / share)) if share > 0 else None
    return out


def _per_year(goal, series, as_of, kind, baseline, baseline_year, target) -> Assessment:  # type: ignore[no-untyped-def]
    y0 = baseline_year if baseline_year is not None else goal.period_start.year - 1
    yn = goal.last_year

    def expected_in(year: int) -> Decimal:
        if yn <= y0:
            return target
        return baseline + (target - baseline) * Decimal(year - y0) / Decimal(yn - y0)

    in_period = {y: v for y, v in series.items() if goal.period_start.year <= y <= yn}
    trajectory = [(y, _r(expected_in(y)), in_period.get(y)) for y in goal.years]
    out = Assessment(NO_DATA, baseline, y0, target, trajectory=trajectory)
    if kind == "computed":
        # Every year of the period up to now has a figure (0 when nothing was counted).
        for y in goal.years:
            if y <= as_of.year and as_of >= goal.period_start:
                in_period.setdefault(y, ZERO)
        out.trajectory = [(y, e, in_period.get(y)) for y, e, _ in trajectory]
    complete = [y for y in in_period if y < as_of.year or kind == "entered"]
    if complete:
        year = max(complete)
        share = Decimal(1)
    elif as_of.year in in_period:
        year = as_of.year
        share = _share(date(year, 1, 1), date(year + 1, 1, 1), as_of)
    else:
        return out
    actual = in_period[year]
    expected = expected_in(year) * share
    out.actual, out.year, out.expected = actual, year, _r(expected)
    out.partial_year = share < 1
    out.ratio = None if expected <= 0 else actual / expected
    out.status = status_of(actual, expected)
    annual = actual / share if share > 0 else actual
    if year > y0:
        slope = (annual - baseline) / Decimal(year - y0)
        # A count cannot go below zero: a falling pace projects to 0 at worst.
        out.projection = _r(max(ZERO, baseline + slope * Decimal(yn - y0)))
    else:
        out.projection = _r(annual)
    return out
