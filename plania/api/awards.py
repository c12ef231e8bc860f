"""/api/v1/awards/: committee sessions and decisions, awards, payments, repayments.

Auth: a personal token or the browser session (plania.accounts.auth.api_auth). The same
access rules as the pages: committee operations for the committee role, payment orders,
repayments, bank statements and arrears for finance, certification and direct proposals
for officers; an award is visible to the Region's staff and to the active members of its
company (with a verified address, as on the pages). Anyone else gets 404, as if it did
not exist. Refusals answer in the API's one format (plania.api.errors); an "approve all"
that overflows the envelope answers 409 with `shortfalls`: the proposals that do not fit
and by how much.
"""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import File, FilterLookup, FilterSchema, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from plania.accounts.auth import api_auth
from plania.api.access import api_access
from plania.api.errors import ApiError, refusal
from plania.api.pagination import Pages
from plania.api.types import RowId
from plania.awards import selectors as awards_selectors
from plania.awards.enums import AwardState
from plania.awards.models import Award
from plania.awards.services import AwardError
from plania.committee import services as committee_services
from plania.committee.enums import SessionState
from plania.committee.models import AgendaItem, CommitteeSession, DirectProposal
from plania.payments import exports as payments_exports
from plania.payments import selectors as payments_selectors
from plania.payments import services as payments_services
from plania.payments.models import PaymentRequest
from plania.plans.models import Envelope
from plania.repayments import selectors as repayments_selectors
from plania.repayments import services as repayments_services
from plania.repayments import statements as repayments_statements

router = Router(tags=["awards"], auth=api_auth)

STATUS = {"forbidden": 403, "state": 409, "overflow": 409, "duplicate": 409, "ledger": 409}


class ShortfallOut(Schema):
    item: int
    position: int
    beneficiary: str
    dossier: str
    amount: Decimal
    envelope: str
    short_by: Decimal


class AwardErrorOut(ApiError):
    """The one error format; an overflowing "approve all" also lists the shortfalls."""

    shortfalls: list[ShortfallOut] = []


ERRORS = {s: AwardErrorOut for s in (403, 409, 422)}
AWARD_OBJECTS = "award.view"


def _error(exc: AwardError) -> Status:
    return refusal(
        STATUS.get(exc.code, 422),
        exc.message,
        exc.code,
        exc.errors,
        shortfalls=[
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
    )


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


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

    # An AgendaItem; its envelope and award read through select_related in a list.
    @staticmethod
    def resolve_beneficiary(item: AgendaItem) -> str:
        return item.beneficiary_name

    @staticmethod
    def resolve_dossier(item: AgendaItem) -> str:
        return item.dossier_reference

    @staticmethod
    def resolve_envelope(item: AgendaItem) -> str:
        return item.envelope.code

    @staticmethod
    def resolve_award(item: AgendaItem) -> str | None:
        award = getattr(item, "award", None)  # the reverse one-to-one; None if none
        return award.reference if award else None


class SessionOut(Schema):
    id: int
    held_on: date
    title: str
    deliberation_prefix: str
    state: str
    items: list[ItemOut]


def _sessions() -> QuerySet[CommitteeSession]:
    """Sessions with their items, their items' envelope and award: three queries for a
    page of sessions whatever their number and their items' (was one per session and one
    per item)."""
    items = AgendaItem.objects.select_related("envelope", "award").order_by("position")
    return CommitteeSession.objects.prefetch_related(Prefetch("items", queryset=items))


class SessionFilters(FilterSchema):
    state: Annotated[Literal[tuple(SessionState.values)] | None, FilterLookup("state")] = None  # type: ignore[valid-type]
    held_from: Annotated[date | None, FilterLookup("held_on__gte")] = None
    held_to: Annotated[date | None, FilterLookup("held_on__lte")] = None


class SessionIn(Schema):
    held_on: date
    title: str
    deliberation_prefix: str


class AgendaIn(Schema):
    proposal: RowId | None = None
    direct: RowId | None = None


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

    # An Award from `_awards` (its sums annotated by awards_selectors.with_sums).
    @staticmethod
    def resolve_beneficiary(award: Award) -> str:
        return award.beneficiary_name

    @staticmethod
    def resolve_siret(award: Award) -> str:
        return award.beneficiary_siret

    @staticmethod
    def resolve_dossier(award: Award) -> str | None:
        return award.application.reference if award.application_id else None

    @staticmethod
    def resolve_envelope(award: Award) -> str:
        return award.envelope.code


class AwardFilters(FilterSchema):
    state: Annotated[Literal[tuple(AwardState.values)] | None, FilterLookup("state")] = None  # type: ignore[valid-type]
    envelope: Annotated[str | None, FilterLookup("envelope__code")] = None
    decided_from: Annotated[date | None, FilterLookup("decided_on__gte")] = None
    decided_to: Annotated[date | None, FilterLookup("decided_on__lte")] = None


def _awards(user: Any) -> QuerySet[Award]:
    """The awards `user` may see, each with its ledger sums: one query for a page."""
    return awards_selectors.with_sums(awards_selectors.awards_visible_to(user))


def _award(award: Award) -> Award:
    """An award just written, read again with its sums."""
    return awards_selectors.with_sums(Award.objects.select_related("envelope", "application")).get(
        pk=award.pk
    )


@router.get(
    "/sessions",
    response=list[SessionOut],
    summary="Committee sessions with their agenda, the latest first (paginated)",
)
@api_access("committee", objects="committee.session")
@paginate(Pages)
def session_list(
    request: HttpRequest, filters: Query[SessionFilters]
) -> QuerySet[CommitteeSession]:
    return filters.filter(_sessions())


@router.post("/sessions", response={201: SessionOut, **ERRORS})
@api_access("committee", objects="committee.session")
def session_create(request: HttpRequest, payload: SessionIn) -> Any:
    user = _user(request)
    try:
        session = committee_services.session_create(actor=user, **payload.dict())
    except AwardError as exc:
        return _error(exc)
    return Status(201, _sessions().get(pk=session.pk))


@router.get("/sessions/{session_id}", response=SessionOut)
@api_access("committee", objects="committee.session")
def session_detail(request: HttpRequest, session_id: RowId) -> CommitteeSession:
    return get_object_or_404(_sessions(), pk=session_id)


@router.post("/sessions/{session_id}/items", response={201: ItemOut, **ERRORS})
@api_access("committee", also=["officer"], objects="committee.session")
def session_add(request: HttpRequest, session_id: RowId, payload: AgendaIn) -> Any:
    user = _user(request)
    session = get_object_or_404(CommitteeSession, pk=session_id)
    try:
        if payload.proposal is not None:
            from plania.instruction.models import Proposal

            proposal = get_object_or_404(Proposal, pk=payload.proposal)
            item = committee_services.session_add_proposal(
                session=session, proposal=proposal, actor=user
            )
        elif payload.direct is not None:
            direct = get_object_or_404(DirectProposal, pk=payload.direct)
            item = committee_services.session_add_direct(session=session, direct=direct, actor=user)
        else:
            raise AwardError("proposal or direct", code="invalid")
    except AwardError as exc:
        return _error(exc)
    return Status(201, item)


@router.post("/sessions/{session_id}/items/{item_id}/decision", response={200: ItemOut, **ERRORS})
@api_access("committee", objects="committee.decide")
def item_decide(
    request: HttpRequest, session_id: RowId, item_id: RowId, payload: DecisionIn
) -> Any:
    user = _user(request)
    item = get_object_or_404(
        AgendaItem.objects.select_related("session"), pk=item_id, session_id=session_id
    )
    day = payload.decided_on or item.session.held_on
    try:
        if payload.decision == "approve":
            committee_services.decision_approve(
                item=item,
                actor=user,
                grant=payload.grant,
                advance=payload.advance,
                decided_on=day,
                deliberation_reference=payload.deliberation_reference,
                reason=payload.reason,
            )
        elif payload.decision == "reject":
            committee_services.decision_reject(
                item=item,
                actor=user,
                reason=payload.reason,
                decided_on=day,
                deliberation_reference=payload.deliberation_reference,
            )
        elif payload.decision == "adjourn":
            committee_services.decision_adjourn(item=item, actor=user, reason=payload.reason)
        else:
            raise AwardError("decision: approve, reject or adjourn", code="invalid")
    except AwardError as exc:
        return _error(exc)
    item.refresh_from_db()
    return item


@router.post("/sessions/{session_id}/approve-all", response={200: list[AwardDetailOut], **ERRORS})
@api_access("committee", objects="committee.session")
def approve_all(request: HttpRequest, session_id: RowId) -> Any:
    user = _user(request)
    session = get_object_or_404(CommitteeSession, pk=session_id)
    try:
        awards = committee_services.session_approve_all(session=session, actor=user)
    except AwardError as exc:
        return _error(exc)
    return list(_awards(user).filter(pk__in=[a.pk for a in awards]))


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
@api_access("officer", objects="committee.direct")
def direct_create(request: HttpRequest, payload: DirectIn) -> Any:
    user = _user(request)
    data = payload.dict()
    envelope = get_object_or_404(Envelope, code=data.pop("envelope"))
    try:
        direct = committee_services.direct_propose(envelope=envelope, actor=user, **data)
    except AwardError as exc:
        return _error(exc)
    return Status(
        201, {"id": direct.pk, "beneficiary_name": direct.beneficiary_name, "amount": direct.amount}
    )


@router.get("/payment-orders.csv")
@api_access("finance", objects="award.finance")
def payment_orders(
    request: HttpRequest, start: date | None = None, end: date | None = None
) -> HttpResponse:
    payments = payments_selectors.payments_for_export(start=start, end=end)
    response = HttpResponse(
        payments_exports.payment_orders_csv(payments), content_type="text/csv; charset=utf-8"
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
@api_access("finance", objects="award.finance")
@paginate(Pages)
def arrears(request: HttpRequest, on: date | None = None) -> list[dict[str, Any]]:
    return [
        {
            "award": a.award.reference,
            "beneficiary": a.award.beneficiary_name,
            "amount": a.amount,
            "days_late": a.days_late,
            "instalments": [i.instalment.reference for i in a.instalments],
        }
        for a in repayments_selectors.arrears(on)
    ]


class LineOut(Schema):
    line: int
    status: str
    message: str
    reference: str
    amount: Decimal | None


@router.post("/bank-statements", response={200: list[LineOut], **ERRORS})
@api_access("finance", objects="award.finance")
def bank_statement(request: HttpRequest, file: File[UploadedFile]) -> Any:
    user = _user(request)
    name = file.name or "releve.csv"
    try:
        repayments_statements.statement_check_size(file_name=name, size=file.size or 0)
        result = repayments_statements.bank_statement_import(
            file_name=name, content=file.read(), actor=user
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
@api_access("officer", objects="payments.request")
def certify(request: HttpRequest, request_id: RowId, payload: CertifyIn) -> Any:
    user = _user(request)
    obj = get_object_or_404(PaymentRequest.objects.select_related("award"), pk=request_id)
    try:
        obj = payments_services.payment_request_certify(
            request=obj, actor=user, amount=payload.amount
        )
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
@api_access("finance", objects="payments.request")
def order(request: HttpRequest, request_id: RowId, payload: OrderIn) -> Any:
    user = _user(request)
    obj = get_object_or_404(PaymentRequest, pk=request_id)
    try:
        payment = payments_services.payment_order(
            request=obj, actor=user, ordered_on=payload.ordered_on
        )
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


@router.get(
    "",
    response=list[AwardDetailOut],
    summary="The awards the caller may see, the latest decided first (paginated)",
)
@api_access("verified", objects=AWARD_OBJECTS)
@paginate(Pages)
def award_list(request: HttpRequest, filters: Query[AwardFilters]) -> QuerySet[Award]:
    return filters.filter(_awards(_user(request)))


def _visible(request: HttpRequest, reference: str) -> Award:
    return get_object_or_404(_awards(_user(request)), reference=reference)


@router.get("/{reference}", response=AwardDetailOut)
@api_access("verified", objects=AWARD_OBJECTS)
def award_detail(request: HttpRequest, reference: str) -> Award:
    return _visible(request, reference)


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
@api_access("finance", objects="award.view")
def repayment(request: HttpRequest, reference: str, payload: RepaymentIn) -> Any:
    user = _user(request)
    award = _visible(request, reference)
    try:
        r = repayments_services.repayment_record(award=award, actor=user, **payload.dict())
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
@api_access("finance", also=["committee"], objects="award.view")
def failure(request: HttpRequest, reference: str, payload: FailureIn) -> Any:
    user = _user(request)
    award = _visible(request, reference)
    try:
        f = repayments_services.failure_find(award=award, actor=user, **payload.dict())
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
@api_access("officer", also=["finance"], objects="award.view")
def close(request: HttpRequest, reference: str, payload: CloseIn) -> Any:
    user = _user(request)
    award = _visible(request, reference)
    try:
        award = payments_services.award_close(award=award, actor=user, **payload.dict())
    except AwardError as exc:
        return _error(exc)
    return _award(award)
