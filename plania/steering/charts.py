"""Geometry of the steering page's charts, rendered as SVG by the templates under
web/steering/charts/ (no script, no style attribute: SVG presentation attributes and CSS
classes only, for the Content Security Policy). Each chart has a table beside it."""

from dataclasses import dataclass
from decimal import Decimal

from plania.steering.selectors import EnvelopeRow, PaceRow, TargetRow

WIDTH = 320


def _scale(value: Decimal | None, top: Decimal, width: int = WIDTH) -> int:
    if not value or top <= 0:
        return 0
    return max(0, min(width, int(Decimal(value) / top * width)))


@dataclass
class Bullet:
    """Progress of a target: a bar for the actual, a tick for the trajectory to date, the
    full width for the target (or the projection, if larger)."""

    actual_w: int
    expected_x: int | None
    target_x: int
    projection_x: int | None
    width: int = WIDTH


def bullet(row: TargetRow) -> Bullet:
    a = row.assessment
    top = max([v for v in (a.target, a.projection, a.actual, a.expected) if v] or [Decimal(1)])
    return Bullet(
        actual_w=_scale(a.actual, top),
        expected_x=None if a.expected is None else _scale(a.expected, top),
        target_x=_scale(a.target, top),
        projection_x=None if a.projection is None else _scale(a.projection, top),
    )


@dataclass
class Bar:
    label: str
    y: int
    allocated_w: int
    committed_w: int
    paid_w: int


def budget_bars(axes: list[EnvelopeRow]) -> tuple[list[Bar], int]:
    top = max([r.balances.allocated or Decimal(0) for r in axes] + [Decimal(1)])
    bars = []
    for i, row in enumerate(axes):
        bars.append(
            Bar(
                label=row.axis.name if row.axis else row.envelope.name,
                y=i * 34,
                allocated_w=_scale(row.balances.allocated, top),
                committed_w=_scale(row.balances.committed, top),
                paid_w=_scale(row.balances.paid, top),
            )
        )
    return bars, max(34, len(bars) * 34)


@dataclass
class Line:
    committed_points: str
    planned_points: str
    ticks: list[tuple[int, int]]  # (x, year)
    height: int = 160
    width: int = WIDTH


def pace_line(pace: list[PaceRow]) -> Line:
    height, left = 160, 10
    top = max([p.planned_cumulative for p in pace] + [p.cumulative for p in pace] + [Decimal(1)])
    n = max(1, len(pace) - 1)
    step = (WIDTH - 2 * left) / n

    def points(values: list[Decimal]) -> str:
        return " ".join(
            f"{left + i * step:.1f},{height - 10 - float(v / top) * (height - 20):.1f}"
            for i, v in enumerate(values)
        )

    return Line(
        committed_points=points([p.cumulative for p in pace]),
        planned_points=points([p.planned_cumulative for p in pace]),
        ticks=[(int(left + i * step), p.year) for i, p in enumerate(pace)],
    )
