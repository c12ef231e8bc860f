"""Reads of the steering room: targets against their trajectory, money by axis, envelope
and budget year, commitment pace. Everything is aggregated in the database, so the number
of queries depends on the number of plans and targets, never on the number of awards or
entries. The money comes from one grouped read of the ledger (GROUP BY envelope, kind and
budget year, `ledger.selectors.sums_by_envelope_year`), which feeds every table and chart:
the envelope balances (all years added up), the rows by budget year and the pace."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from plania.awards.models import Award
from plania.ledger.enums import EntryKind
from plania.ledger.selectors import (
    Balances,
    EnvelopeTree,
    YearSums,
    sums_by_envelope_year,
    sums_over_years,
)
from plania.plans.enums import TargetMeasure
from plania.plans.models import Axis, Envelope, Plan, Target
from plania.plans.selectors import main_plan
from plania.steering import metrics
from plania.steering.models import TargetMeasurement
from plania.steering.trajectory import Assessment, Goal, assess

ZERO = Decimal("0.00")


@dataclass
class TargetRow:
    target: Target
    plan: Plan
    # The series that gives the status: the entered one (the official figure) when the
    # target has entered figures, else the computed one.
    assessment: Assessment
    judged_on: str  # "computed" or "entered"
    computed: dict[int, Decimal] | None = None
    entered: dict[int, Decimal] = field(default_factory=dict)
    measurements: list[TargetMeasurement] = field(default_factory=list)
    metric_unknown: bool = False

    @property
    def both(self) -> bool:
        return self.target.measure == TargetMeasure.BOTH

    @property
    def years(self) -> list[tuple[int, Decimal | None, Decimal | None, Decimal]]:
        """(year, computed, entered, expected) for each year of the period."""
        return [
            (
                y,
                None if self.computed is None else self.computed.get(y, ZERO),
                self.entered.get(y),
                expected,
            )
            for y, expected, _ in self.assessment.trajectory
        ]


@dataclass
class EnvelopeRow:
    plan: Plan
    envelope: Envelope
    axis: Axis | None
    balances: Balances
    depth: int

    @property
    def floor_met(self) -> bool | None:
        # "Plus d'un million": a floor is met when strictly more is committed.
        if self.envelope.floor is None:
            return None
        return self.balances.committed > self.envelope.floor


@dataclass
class YearRow:
    """One root envelope (an axis, or a programme's envelope) in one budget year."""

    plan: Plan
    envelope: Envelope
    axis: Axis | None
    year: int
    allocated: Decimal = ZERO
    committed: Decimal = ZERO
    paid: Decimal = ZERO
    repaid: Decimal = ZERO

    @property
    def label(self) -> str:
        return self.axis.name if self.axis else self.envelope.name


@dataclass
class PaceRow:
    year: int
    committed: Decimal  # net commitments charged to that budget year
    cumulative: Decimal
    planned_cumulative: Decimal  # the budget spread evenly over the plan's years

    @property
    def share(self) -> Decimal | None:
        if not self.planned_cumulative:
            return None
        return (self.cumulative / self.planned_cumulative * 100).quantize(Decimal("0.1"))


@dataclass
class Overview:
    plan: Plan
    programmes: list[Plan]
    as_of: date
    targets: list[TargetRow]
    envelopes: list[EnvelopeRow]
    years: list[YearRow]
    pace: list[PaceRow]
    axes: list[EnvelopeRow]  # root envelopes of the plan and programmes, one per line

    @property
    def plans(self) -> list[Plan]:
        return [self.plan, *self.programmes]

    @property
    def totals(self) -> dict[str, Decimal]:
        keys = ("allocated", "committed", "paid", "repaid", "available")
        return {k: sum(((getattr(r.balances, k) or ZERO) for r in self.axes), ZERO) for k in keys}


def _plans() -> tuple[Plan, list[Plan]] | None:
    plan = main_plan()
    if plan is None:
        return None
    programmes = list(
        Plan.objects.filter(related_plan=plan)
        .select_related("budget_source")
        .prefetch_related(
            Prefetch("axes"),
            Prefetch("envelopes", queryset=Envelope.objects.select_related("axis")),
            Prefetch("targets", queryset=Target.objects.select_related("axis")),
        )
        .order_by("start_date", "code")
    )
    return plan, programmes


def _goal(target: Target) -> Goal:
    return Goal(
        frequency=target.frequency,
        period_start=target.period_start,
        period_end=target.period_end,
        baseline=target.baseline,
        baseline_year=target.baseline_year,
        target_value=target.target_value,
        target_ratio=target.target_ratio,
    )


def latest_by_year(measurements: list[TargetMeasurement]) -> dict[int, Decimal]:
    """The figure of each year: the latest entry counts (a correction is a new row)."""
    out: dict[int, tuple[object, Decimal]] = {}
    for m in measurements:
        key = (m.entered_at, m.pk)
        if m.year not in out or key > out[m.year][0]:  # type: ignore[operator]
            out[m.year] = (key, m.value)
    return {year: value for year, (_, value) in sorted(out.items())}


def target_rows(plans: list[Plan], *, as_of: date) -> list[TargetRow]:
    targets = [t for p in plans for t in p.targets.all()]
    by_target: dict[int, list[TargetMeasurement]] = defaultdict(list)
    for m in TargetMeasurement.objects.filter(target__in=targets).select_related("entered_by"):
        by_target[m.target_id].append(m)
    plan_by_id = {p.pk: p for p in plans}
    rows = []
    for target in targets:
        computed = None
        unknown = False
        if target.measure in (TargetMeasure.COMPUTED, TargetMeasure.BOTH):
            computed = metrics.compute(target, until=as_of + timedelta(days=1))
            unknown = computed is None
        measurements = by_target.get(target.pk, [])
        entered = latest_by_year(measurements)
        judged_on = "entered" if entered or computed is None else "computed"
        assessment = assess(
            _goal(target),
            entered if judged_on == "entered" else (computed or {}),
            as_of=as_of,
            kind=judged_on,
        )
        rows.append(
            TargetRow(
                target=target,
                plan=plan_by_id[target.plan_id],
                assessment=assessment,
                judged_on=judged_on,
                computed=computed,
                entered=entered,
                measurements=measurements,
                metric_unknown=unknown,
            )
        )
    return rows


def _envelope_rows(plans: list[Plan], tree: EnvelopeTree) -> list[EnvelopeRow]:
    rows: list[EnvelopeRow] = []
    for plan in plans:
        envelopes = list(plan.envelopes.all())
        axes = {a.pk: a for a in plan.axes.all()}
        children: dict[int | None, list[Envelope]] = defaultdict(list)
        for env in envelopes:
            children[env.parent_id].append(env)

        def walk(
            env: Envelope,
            depth: int,
            plan: Plan = plan,
            axes: dict[int, Axis] = axes,
            children: dict[int | None, list[Envelope]] = children,
        ) -> None:
            balances = tree.balances(env.pk)
            rows.append(EnvelopeRow(plan, env, axes.get(env.axis_id), balances, depth))  # type: ignore[arg-type]
            for child in children.get(env.pk, []):
                walk(child, depth + 1, plan, axes, children)

        roots = sorted(
            children.get(None, []),
            key=lambda e: (e.axis.number if e.axis else 99, e.position, e.code),
        )
        for root in roots:
            walk(root, 0)
    return rows


def _year_rows(
    year_sums: YearSums, tree: EnvelopeTree, envelopes: dict[int, EnvelopeRow]
) -> list[YearRow]:
    """Per root envelope and budget year, from the sums per envelope, year and kind."""
    rows: dict[tuple[int, int], YearRow] = {}
    for (pk, year, kind), total in year_sums.items():
        root = tree.chain(pk)[-1]
        if kind == EntryKind.ALLOCATION and pk != root:
            # A sub-envelope's allocation is part of its root's, not on top of it.
            continue
        info = envelopes[root]
        row = rows.setdefault((root, year), YearRow(info.plan, info.envelope, info.axis, year))
        if kind == EntryKind.ALLOCATION:
            row.allocated += total
        elif kind == EntryKind.COMMITMENT:
            row.committed += total
        elif kind == EntryKind.DECOMMITMENT:
            row.committed -= total
        elif kind == EntryKind.PAYMENT:
            row.paid += total
        elif kind == EntryKind.REPAYMENT:
            row.repaid += total
    order = {pk: i for i, pk in enumerate(envelopes)}
    return sorted(rows.values(), key=lambda r: (order[r.envelope.pk], r.year))


def _pace(plan: Plan, years: list[YearRow]) -> list[PaceRow]:
    """Net commitments of the plan (not its programmes) by budget year, against the
    budget spread evenly over the plan's years."""
    last = (plan.end_date - timedelta(days=1)).year
    plan_years = list(range(plan.start_date.year, last + 1))
    per_year: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for row in years:
        if row.plan.pk == plan.pk:
            per_year[row.year] += row.committed
    cumulative = ZERO
    out = []
    for i, year in enumerate(plan_years, start=1):
        cumulative += per_year.get(year, ZERO)
        planned = (plan.budget * i / len(plan_years)).quantize(Decimal("0.01"))
        out.append(PaceRow(year, per_year.get(year, ZERO), cumulative, planned))
    return out


def steering_overview(*, as_of: date | None = None) -> Overview | None:
    """Everything the steering page, its exports and the annual report show."""
    found = _plans()
    if found is None:
        return None
    plan, programmes = found
    as_of = as_of or timezone.localdate()
    plans = [plan, *programmes]
    envelopes = [e for p in plans for e in p.envelopes.all()]
    # The one read of the ledger: every money figure below comes from these sums.
    year_sums = sums_by_envelope_year(e.pk for e in envelopes)
    tree = EnvelopeTree(envelopes, sums=sums_over_years(year_sums))
    envelope_rows = _envelope_rows(plans, tree)
    by_pk = {r.envelope.pk: r for r in envelope_rows}
    years = _year_rows(year_sums, tree, by_pk)
    return Overview(
        plan=plan,
        programmes=programmes,
        as_of=as_of,
        targets=target_rows(plans, as_of=as_of),
        envelopes=envelope_rows,
        years=years,
        pace=_pace(plan, years),
        axes=[r for r in envelope_rows if r.depth == 0],
    )


def steering_awards(plans: list[Plan]) -> list[Award]:
    """The awards charged to the plans' envelopes, latest decision first."""
    return list(
        Award.objects.filter(envelope__plan__in=plans)
        .select_related("envelope", "envelope__axis")
        .order_by("-decided_on", "-pk")
    )
