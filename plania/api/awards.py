"""/api/v1/awards/: committee sessions and decisions, awards, payments, repayments.

Auth: a personal token or the browser session (plania.accounts.auth.api_auth). The same
access rules as the pages: committee operations for the committee role, payment orders,
repayments, bank statements and arrears for finance, certification and direct proposals
for officers; an award is visible to the Region's staff and to the active members of its
company. Anyone else gets 404, as if it did not exist. Refusals are structured:
{"detail": [{"field", "message", "code"}]}; an "approve all" that overflows the envelope
answers 409 with the proposals that do not fit and by how much.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from plania.accounts.auth import api_auth
from plania.accounts.roles import Role
from plania.awards import selectors, services
from plania.awards.models import (
    AgendaItem,
    Award,
    CommitteeSession,
    DirectProposal,
    PaymentRequest,
)
from plania.awards.services import AwardError
from plania.core.access import has_role
from plania.plans.models import Envelope

router = Router(tags=["awards"], auth=api_auth)

STATUS = {"forbidden": 403, "state": 409, "overflow": 409, "duplicate": 409, "ledger": 409}


class AwardFieldError(Schema):
    field: str
    message: str
    code: str


class ShortfallOut(Schema):
    item: int
    position: int
    beneficiary: str
    dossier: str
    amount: Decimal
    envelope: str
    short_by: Decimal


class AwardErrorOut(Schema):
    detail: list[AwardFieldError]
    shortfalls: list[ShortfallOut] = []


ERRORS = {s: AwardErrorOut for s in (403, 409, 422)}


def _error(exc: AwardError) -> Status:
    detail = [
        {"field": field, "message": message, "code": exc.code}
        for field, messages in exc.errors.items()
        for message in messages
    ] or [{"field": "__all__", "message": exc.message, "code": exc.code}]
    return Status(
        STATUS.get(exc.code, 422),
        {
            "detail": detail,
            "shortfalls": [
                {
                    "item": s.item.pk,
                    "position": s.item.position,
                    "beneficiary": s.item.beneficiary_name,
                    "dossier": s.item.dossier_reference,
                    "amount": s.item.proposed_total,
                    "envelope": s.envelope.code,
                    "short_by": s.short_by,
                }
                for s in exc.shortfalls
            ],
        },
    )


def _require(request: HttpRequest, *roles: str) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    for role in roles:
        if role == Role.OFFICER and services.is_officer(user):
            return user
        if has_role(user, role):
            return user
    raise Http404


class ItemOut(Schema):
    id: int
    position: int
    beneficiary: str
    dossier: str
    envelope: str
    proposed_total: Decimal
    proposed_grant: Decimal
    proposed_advance: Decimal
    legal_basis: str
    outcome: str
    approved_grant: Decimal | None
    approved_advance: Decimal | None
    deliberation_reference: str
    decided_on: date | None
    reason: str
    award: str | None


class SessionOut(Schema):
    id: int
    held_on: date
    title: str
    deliberation_prefix: str
    state: str
    items: list[ItemOut]


def _item(item: AgendaItem) -> dict[str, Any]:
    award = Award.objects.filter(item=item).values_list("reference", flat=True).first()
    return {
        "id": item.pk,
        "position": item.position,
        "beneficiary": item.beneficiary_name,
        "dossier": item.dossier_reference,
        "envelope": item.envelope.code,
        "proposed_total": item.proposed_total,
        "proposed_grant": item.proposed_grant,
        "proposed_advance": item.proposed_advance,
        "legal_basis": item.legal_basis,
        "outcome": item.outcome,
        "approved_grant": item.approved_grant,
        "approved_advance": item.approved_advance,
        "deliberation_reference": item.deliberation_reference,
        "decided_on": item.decided_on,
        "reason": item.reason,
        "award": award,
    }


def _session(session: CommitteeSession) -> dict[str, Any]:
    return {
        "id": session.pk,
        "held_on": session.held_on,
        "title": session.title,
        "deliberation_prefix": session.deliberation_prefix,
        "state": session.state,
        "items": [_item(i) for i in session.items.select_related("envelope").order_by("position")],
    }


class SessionIn(Schema):
    held_on: date
    title: str
    deliberation_prefix: str


class AgendaIn(Schema):
    proposal: int | None = None
    direct: int | None = None


class DecisionIn(Schema):
    decision: str  # approve, reject, adjourn
    grant: Decimal | None = None
    advance: Decimal | None = None
    reason: str = ""
    deliberation_reference: str = ""
    decided_on: date | None = None


class AwardDetailOut(Schema):
    reference: str
    beneficiary: str
    siret: str
    dossier: str | None
    envelope: str
    deliberation_reference: str
    decided_on: date
    total: Decimal
    grant: Decimal
    advance: Decimal
    advance_gge: Decimal
    de_minimis_amount: Decimal
    legal_basis: str
    state: str
    committed: Decimal
    paid: Decimal
    repaid: Decimal


def _award(award: Award) -> dict[str, Any]:
    sums = selectors.award_sums(award)
    return {
        "reference": award.reference,
        "beneficiary": award.beneficiary_name,
        "siret": award.beneficiary_siret,
        "dossier": award.application.reference if award.application_id else None,
        "envelope": award.envelope.code,
        "deliberation_reference": award.deliberation_reference,
        "decided_on": award.decided_on,
        "total": award.total,
        "grant": award.grant,
        "advance": award.advance,
        "advance_gge": award.advance_gge,
        "de_minimis_amount": award.de_minimis_amount,
        "legal_basis": award.legal_basis,
        "state": award.state,
        "committed": sums.committed,
        "paid": sums.paid,
        "repaid": sums.repaid,
    }


@router.get("/sessions", response=list[SessionOut])
def session_list(request: HttpRequest) -> list[dict[str, Any]]:
    _require(request, Role.COMMITTEE)
    return [_session(s) for s in CommitteeSession.objects.all()[:200]]


@router.post("/sessions", response={201: SessionOut, **ERRORS})
def session_create(request: HttpRequest, payload: SessionIn) -> Any:
    user = _require(request, Role.COMMITTEE)
    try:
        session = services.session_create(actor=user, **payload.dict())
    except AwardError as exc:
        return _error(exc)
    return Status(201, _session(session))


@router.get("/sessions/{session_id}", response=SessionOut)
def session_detail(request: HttpRequest, session_id: int) -> dict[str, Any]:
    _require(request, Role.COMMITTEE)
    return _session(get_object_or_404(CommitteeSession, pk=session_id))


@router.post("/sessions/{session_id}/items", response={201: ItemOut, **ERRORS})
def session_add(request: HttpRequest, session_id: int, payload: AgendaIn) -> Any:
    user = _require(request, Role.COMMITTEE, Role.OFFICER)
    session = get_object_or_404(CommitteeSession, pk=session_id)
    try:
        if payload.proposal is not None:
            from plania.instruction.models import Proposal

            proposal = get_object_or_404(Proposal, pk=payload.proposal)
            item = services.session_add_proposal(session=session, proposal=proposal, actor=user)
        elif payload.direct is not None:
            direct = get_object_or_404(DirectProposal, pk=payload.direct)
            item = services.session_add_direct(session=session, direct=direct, actor=user)
        else:
            raise AwardError("proposal or direct", code="invalid")
    except AwardError as exc:
        return _error(exc)
    return Status(201, _item(item))


@router.post("/sessions/{session_id}/items/{item_id}/decision", response={200: ItemOut, **ERRORS})
def item_decide(request: HttpRequest, session_id: int, item_id: int, payload: DecisionIn) -> Any:
    user = _require(request, Role.COMMITTEE)
    item = get_object_or_404(
        AgendaItem.objects.select_related("session"), pk=item_id, session_id=session_id
    )
    day = payload.decided_on or item.session.held_on
    try:
        if payload.decision == "approve":
            services.decision_approve(
                item=item,
                actor=user,
                grant=payload.grant,
                advance=payload.advance,
                decided_on=day,
                deliberation_reference=payload.deliberation_reference,
                reason=payload.reason,
            )
        elif payload.decision == "reject":
            services.decision_reject(
                item=item,
                actor=user,
                reason=payload.reason,
                decided_on=day,
                deliberation_reference=payload.deliberation_reference,
            )
        elif payload.decision == "adjourn":
            services.decision_adjourn(item=item, actor=user, reason=payload.reason)
        else:
            raise AwardError("decision: approve, reject or adjourn", code="invalid")
    except AwardError as exc:
        return _error(exc)
    item.refresh_from_db()
    return _item(item)


@router.post("/sessions/{session_id}/approve-all", response={200: list[AwardDetailOut], **ERRORS})
def approve_all(request: HttpRequest, session_id: int) -> Any:
    user = _require(request, Role.COMMITTEE)
    session = get_object_or_404(CommitteeSession, pk=session_id)
    try:
        awards = services.session_approve_all(session=session, actor=user)
    except AwardError as exc:
        return _error(exc)
    return [_award(a) for a in awards]


class DirectIn(Schema):
    envelope: str  # envelope code
    beneficiary_name: str
    beneficiary_siret: str
    beneficiary_email: str = ""
    purpose: str
    amount: Decimal
    legal_basis: str
    justification: str = ""


class DirectOut(Schema):
    id: int
    beneficiary_name: str
    amount: Decimal


@router.post("/direct-proposals", response={201: DirectOut, **ERRORS})
def direct_create(request: HttpRequest, payload: DirectIn) -> Any:
    user = _require(request, Role.OFFICER)
    data = payload.dict()
    envelope = get_object_or_404(Envelope, code=data.pop("envelope"))
    try:
        direct = services.direct_propose(envelope=envelope, actor=user, **data)
    except AwardError as exc:
        return _error(exc)
    return Status(
        201, {"id": direct.pk, "beneficiary_name": direct.beneficiary_name, "amount": direct.amount}
    )


@router.get("/payment-orders.csv")
def payment_orders(
    request: HttpRequest, start: date | None = None, end: date | None = None
) -> HttpResponse:
    _require(request, Role.FINANCE)
    payments = selectors.payments_for_export(start=start, end=end)
    response = HttpResponse(
        services.payment_orders_csv(payments), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="mandats.csv"'
    return response


class ArrearOut(Schema):
    award: str
    beneficiary: str
    amount: Decimal
    days_late: int
    instalments: list[str]


@router.get("/arrears", response=list[ArrearOut])
def arrears(request: HttpRequest, on: date | None = None) -> list[dict[str, Any]]:
    _require(request, Role.FINANCE)
    return [
        {
            "award": a.award.reference,
            "beneficiary": a.award.beneficiary_name,
            "amount": a.amount,
            "days_late": a.days_late,
            "instalments": [i.instalment.reference for i in a.instalments],
        }
        for a in selectors.arrears(on)
    ]


class LineOut(Schema):
    line: int
    status: str
    message: str
    reference: str
    amount: Decimal | None


@router.post("/bank-statements", response={200: list[LineOut], **ERRORS})
def bank_statement(request: HttpRequest, file: File[UploadedFile]) -> Any:
    user = _require(request, Role.FINANCE)
    try:
        result = services.bank_statement_import(
            file_name=file.name or "releve.csv", content=file.read(), actor=user
        )
    except AwardError as exc:
        return _error(exc)
    return [
        {
            "line": line.line_number,
            "status": line.status,
            "message": line.message,
            "reference": line.reference,
            "amount": line.amount,
        }
        for line in result.lines
    ]


class PaymentRequestOut(Schema):
    id: int
    award: str
    amount: Decimal
    certified_amount: Decimal | None
    state: str


def _request_out(r: PaymentRequest) -> dict[str, Any]:
    return {
        "id": r.pk,
        "award": r.award.reference,
        "amount": r.amount,
        "certified_amount": r.certified_amount,
        "state": r.state,
    }


class CertifyIn(Schema):
    amount: Decimal | None = None


@router.post("/payment-requests/{request_id}/certify", response={200: PaymentRequestOut, **ERRORS})
def certify(request: HttpRequest, request_id: int, payload: CertifyIn) -> Any:
    user = _require(request, Role.OFFICER)
    obj = get_object_or_404(PaymentRequest.objects.select_related("award"), pk=request_id)
    try:
        obj = services.payment_request_certify(request=obj, actor=user, amount=payload.amount)
    except AwardError as exc:
        return _error(exc)
    return _request_out(obj)


class OrderIn(Schema):
    ordered_on: date | None = None


class PaymentOut(Schema):
    number: str
    amount: Decimal
    ordered_on: date
    ledger_entry: int


@router.post("/payment-requests/{request_id}/order", response={201: PaymentOut, **ERRORS})
def order(request: HttpRequest, request_id: int, payload: OrderIn) -> Any:
    user = _require(request, Role.FINANCE)
    obj = get_object_or_404(PaymentRequest, pk=request_id)
    try:
        payment = services.payment_order(request=obj, actor=user, ordered_on=payload.ordered_on)
    except AwardError as exc:
        return _error(exc)
    return Status(
        201,
        {
            "number": payment.number,
            "amount": payment.amount,
            "ordered_on": payment.ordered_on,
            "ledger_entry": payment.ledger_entry_id,
        },
    )


@router.get("", response=list[AwardDetailOut])
def award_list(request: HttpRequest) -> list[dict[str, Any]]:
    awards = selectors.awards_visible_to(request.auth)  # type: ignore[attr-defined]
    return [_award(a) for a in awards[:500]]


def _visible(request: HttpRequest, reference: str) -> Award:
    return get_object_or_404(
        selectors.awards_visible_to(request.auth),  # type: ignore[attr-defined]
        reference=reference,
    )


@router.get("/{reference}", response=AwardDetailOut)
def award_detail(request: HttpRequest, reference: str) -> dict[str, Any]:
    return _award(_visible(request, reference))


class RepaymentIn(Schema):
    amount: Decimal
    received_on: date
    reference: str = ""


class RepaymentOut(Schema):
    id: int
    amount: Decimal
    received_on: date
    ledger_entry: int


@router.post("/{reference}/repayments", response={201: RepaymentOut, **ERRORS})
def repayment(request: HttpRequest, reference: str, payload: RepaymentIn) -> Any:
    user = _require(request, Role.FINANCE)
    award = _visible(request, reference)
    try:
        r = services.repayment_record(award=award, actor=user, **payload.dict())
    except AwardError as exc:
        return _error(exc)
    return Status(
        201,
        {
            "id": r.pk,
            "amount": r.amount,
            "received_on": r.received_on,
            "ledger_entry": r.ledger_entry_id,
        },
    )


class FailureIn(Schema):
    reason: str
    found_on: date | None = None


class FailureOut(Schema):
    remaining_before: Decimal
    forgiven: Decimal
    still_due: Decimal
    decommitted: Decimal


@router.post("/{reference}/failure-finding", response={201: FailureOut, **ERRORS})
def failure(request: HttpRequest, reference: str, payload: FailureIn) -> Any:
    user = _require(request, Role.FINANCE, Role.COMMITTEE)
    award = _visible(request, reference)
    try:
        f = services.failure_find(award=award, actor=user, **payload.dict())
    except AwardError as exc:
        return _error(exc)
    return Status(
        201,
        {
            "remaining_before": f.remaining_before,
            "forgiven": f.forgiven,
            "still_due": f.still_due,
            "decommitted": f.decommitment.amount if f.decommitment else Decimal("0.00"),
        },
    )


class CloseIn(Schema):
    closed_on: date | None = None
    reason: str = ""


@router.post("/{reference}/close", response={200: AwardDetailOut, **ERRORS})
def close(request: HttpRequest, reference: str, payload: CloseIn) -> Any:
    user = _require(request, Role.OFFICER, Role.FINANCE)
    award = _visible(request, reference)
    try:
        award = services.award_close(award=award, actor=user, **payload.dict())
    except AwardError as exc:
        return _error(exc)
    return _award(award)
