"""/api/v1/steering/: targets against their trajectory and money by axis, envelope and
budget year (the steering page's figures), and figures entered against a target.

Auth: a personal token or the browser session (plania.accounts.auth.api_auth); the
steering role (or admin). Anyone else gets 404, as for the page."""

from datetime import date
from decimal import Decimal

from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status

from plania.accounts.auth import api_auth
from plania.api.access import api_access
from plania.api.errors import ApiError, refusal
from plania.steering.selectors import steering_overview
from plania.steering.services import SteeringError, measurement_record

router = Router(tags=["steering"], auth=api_auth)


STEERING = api_access("steering", also=["admin"], objects="steering.figures")


class SteeringTargetOut(Schema):
    code: str
    plan: str
    name: str
    unit: str
    frequency: str
    measure: str
    baseline: Decimal | None
    target: Decimal | None
    year: int | None
    actual: Decimal | None
    expected: Decimal | None
    projection: Decimal | None
    status: str
    judged_on: str
    computed: dict[int, Decimal] | None
    entered: dict[int, Decimal]


class SteeringEnvelopeOut(Schema):
    plan: str
    code: str
    axis: int | None
    depth: int
    floor: Decimal | None
    floor_met: bool | None
    allocated: Decimal | None
    committed: Decimal
    paid: Decimal
    repaid: Decimal
    available: Decimal


class SteeringYearOut(Schema):
    plan: str
    envelope: str
    year: int
    allocated: Decimal
    committed: Decimal
    paid: Decimal
    repaid: Decimal


class SteeringOut(Schema):
    plan: str
    as_of: date
    targets: list[SteeringTargetOut]
    envelopes: list[SteeringEnvelopeOut]
    years: list[SteeringYearOut]


class SteeringMeasurementIn(Schema):
    year: int
    value: Decimal
    measured_on: date
    source: str


class SteeringMeasurementOut(Schema):
    id: int
    target: str
    year: int
    value: Decimal
    measured_on: date
    source: str


@router.get("/", response=SteeringOut, summary="Steering figures")
@STEERING
def steering(request: HttpRequest, au: date | None = None) -> SteeringOut:
    o = steering_overview(as_of=au)
    if o is None:
        raise Http404
    return SteeringOut(
        plan=o.plan.code,
        as_of=o.as_of,
        targets=[
            SteeringTargetOut(
                code=r.target.code, plan=r.plan.code, name=r.target.name, unit=r.target.unit,
                frequency=r.target.frequency, measure=r.target.measure,
                baseline=r.assessment.baseline, target=r.assessment.target,
                year=r.assessment.year, actual=r.assessment.actual,
                expected=r.assessment.expected, projection=r.assessment.projection,
                status=r.assessment.status, judged_on=r.judged_on, computed=r.computed,
                entered=r.entered,
            )
            for r in o.targets
        ],
        envelopes=[
            SteeringEnvelopeOut(
                plan=r.plan.code, code=r.envelope.code, axis=r.axis.number if r.axis else None,
                depth=r.depth, floor=r.envelope.floor, floor_met=r.floor_met,
                allocated=r.balances.allocated, committed=r.balances.committed,
                paid=r.balances.paid, repaid=r.balances.repaid, available=r.balances.available,
            )
            for r in o.envelopes
        ],
        years=[
            SteeringYearOut(
                plan=r.plan.code, envelope=r.envelope.code, year=r.year, allocated=r.allocated,
                committed=r.committed, paid=r.paid, repaid=r.repaid,
            )
            for r in o.years
        ],
    )  # fmt: skip


@router.post(
    "/targets/{code}/measurements",
    response={201: SteeringMeasurementOut, 400: ApiError},
    summary="Enter a figure against a target",
)
@STEERING
def measurement_create(request: HttpRequest, code: str, payload: SteeringMeasurementIn):  # type: ignore[no-untyped-def]
    o = steering_overview()
    row = next((r for r in (o.targets if o else []) if r.target.code == code), None)
    if row is None:
        raise Http404
    try:
        m = measurement_record(target=row.target, actor=request.auth, **payload.dict())  # type: ignore[attr-defined]
    except SteeringError as exc:
        return refusal(400, exc.message, exc.code, exc.errors)
    return Status(201, SteeringMeasurementOut(
        id=m.pk, target=code, year=m.year, value=m.value, measured_on=m.measured_on,
        source=m.source,
    ))  # fmt: skip
