"""Public plan page: the plan, its axes and envelopes with their balances, its targets."""

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from plania.ledger.selectors import Balances, plan_balances
from plania.plans.models import Axis, Envelope, Plan
from plania.plans.selectors import main_plan, plan_with_structure


@dataclass
class EnvelopeRow:
    envelope: Envelope
    balances: Balances
    depth: int

    @property
    def floor_met(self) -> bool | None:
        if self.envelope.floor is None:
            return None
        return self.balances.committed > self.envelope.floor


@dataclass
class AxisBlock:
    axis: Axis | None
    rows: list[EnvelopeRow]


def _blocks(plan: Plan) -> list[AxisBlock]:
    balances = plan_balances(plan)
    envelopes = list(plan.envelopes.all())
    children: dict[int | None, list[Envelope]] = {}
    for env in envelopes:
        children.setdefault(env.parent_id, []).append(env)

    def walk(env: Envelope, depth: int) -> list[EnvelopeRow]:
        rows = [EnvelopeRow(env, balances[env.pk], depth)]
        for child in children.get(env.pk, []):
            rows.extend(walk(child, depth + 1))
        return rows

    by_axis: dict[int | None, list[EnvelopeRow]] = {}
    for root in children.get(None, []):
        by_axis.setdefault(root.axis_id, []).extend(walk(root, 0))
    blocks = [AxisBlock(axis, by_axis.get(axis.pk, [])) for axis in plan.axes.all()]
    if None in by_axis:
        blocks.append(AxisBlock(None, by_axis[None]))
    return blocks


def plan_page(request: HttpRequest, code: str | None = None) -> HttpResponse:
    if code is None:
        plan = main_plan()
        if plan is None:
            return render(request, "web/plans/no_plan.html", status=200)
    else:
        plan = get_object_or_404(plan_with_structure(), code=code)
    if plan is None:  # pragma: no cover - for the type checker
        raise Http404
    return render(
        request,
        "web/plans/plan.html",
        {"plan": plan, "blocks": _blocks(plan), "programmes": list(plan.programmes.all())},
    )
