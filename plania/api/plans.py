from datetime import date
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import paginate

from plania.api.access import api_access
from plania.api.pagination import Pages
from plania.ledger.selectors import plan_balances
from plania.plans.models import Plan
from plania.plans.selectors import plan_with_structure

router = Router(tags=["plans"])


class PlanSummary(Schema):
    code: str
    kind: str
    name_fr: str
    name_en: str
    start_date: date
    end_date: date
    budget: Decimal


class PlanEnvelopeOut(Schema):
    code: str
    name_fr: str
    name_en: str
    parent: str | None
    cap: Decimal | None
    floor: Decimal | None
    budget_year: int | None
    allocated: Decimal | None
    committed: Decimal
    paid: Decimal
    repaid: Decimal
    available: Decimal


class AxisOut(Schema):
    number: int
    code: str
    name_fr: str
    name_en: str
    budget: Decimal


class TargetOut(Schema):
    code: str
    scope: str
    name_fr: str
    name_en: str
    baseline: Decimal | None
    target_value: Decimal | None
    unit_fr: str
    unit_en: str
    period_start: date
    period_end: date
    frequency: str
    measure: str


class PlanDetail(PlanSummary):
    adopted_on: date | None
    axes: list[AxisOut]
    envelopes: list[PlanEnvelopeOut]
    targets: list[TargetOut]


@router.get("/", response=list[PlanSummary], summary="List plans and programmes")
@api_access("public")  # plans and their figures, published
@paginate(Pages)
def list_plans(request):  # type: ignore[no-untyped-def]
    return Plan.objects.all()


@router.get("/{code}", response=PlanDetail, summary="One plan with its envelopes' balances")
@api_access("public")  # plans and their figures, published
def get_plan(request, code: str):  # type: ignore[no-untyped-def]
    plan = get_object_or_404(plan_with_structure(), code=code)
    balances = plan_balances(plan)
    codes = {e.pk: e.code for e in plan.envelopes.all()}
    envelopes = [
        {
            "code": e.code,
            "name_fr": e.name_fr,
            "name_en": e.name_en,
            "parent": codes.get(e.parent_id) if e.parent_id else None,
            "cap": e.cap,
            "floor": e.floor,
            "budget_year": e.budget_year,
            "allocated": balances[e.pk].allocated,
            "committed": balances[e.pk].committed,
            "paid": balances[e.pk].paid,
            "repaid": balances[e.pk].repaid,
            "available": balances[e.pk].available,
        }
        for e in plan.envelopes.all()
    ]
    return {
        **{f: getattr(plan, f) for f in PlanSummary.model_fields},
        "adopted_on": plan.adopted_on,
        "axes": list(plan.axes.all()),
        "envelopes": envelopes,
        "targets": list(plan.targets.all()),
    }
