"""Writes of the payments room: the award's payment schedule, payment requests (asked by
the beneficiary, certified by an officer: liquidation), payment orders (finance:
mandatement, the ledger's payment entry), and the award's closing, which releases what
was committed and not paid.

`award_close` lives here rather than in plania.awards: closing is decided on the
payments (the final report that conditions the balance, no request left open, the
unspent commitment released) and re-schedules a repayable advance paid in part
(plania.repayments); the awards room below knows none of these.

Refusals are plania.awards.services.AwardError; mails leave after commit
(plania.payments.emails).
"""

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from plania.accounts.roles import Role
from plania.agreements.enums import DocumentKind
from plania.agreements.services import checked_files, documents_create
from plania.applications.workflow import WorkflowError
from plania.awards import workflow as award_workflow
from plania.awards.enums import AwardState
from plania.awards.models import Award
from plania.awards.permissions import OFFICER as AWARD_OFFICER
from plania.awards.selectors import advance_paid, award_sums
from plania.awards.services import (
    CENT,
    ZERO,
    AwardError,
    award_lock,
    event_record,
    is_beneficiary,
    ledger_refusal,
    now,
    parse_money,
    require_role,
    today,
    workflow_refusal,
)
from plania.core.formats import format_eur
from plania.core.grants import can
from plania.ledger.services import LedgerError, ledger_decommit, ledger_pay
from plania.payments import emails
from plania.payments.enums import RequestState, ScheduleKind
from plania.payments.models import Payment, PaymentRequest, ScheduledPayment
from plania.payments.selectors import open_requests_total
from plania.repayments.models import FailureFinding
from plania.repayments.selectors import repaid_total
from plania.repayments.services import instalments_create, reschedule
from plania.rules.money import round_cent


def schedule_create(award: Award) -> None:
    first = round_cent(award.total * award.on_signature_share)
    lines = [
        (ScheduleKind.ON_SIGNATURE, first),
        (ScheduleKind.ON_FINAL_REPORT, award.total - first),
    ]
    position = 0
    for kind, amount in lines:
        if amount > 0:
            position += 1
            ScheduledPayment.objects.create(
                award=award, position=position, kind=kind, amount=amount
            )


def _no_failure(award: Award) -> None:
    if FailureFinding.objects.filter(award=award).exists():
        raise AwardError(
            _("Un constat d'échec a été prononcé : plus aucun versement n'est possible."),
            code="state",
        )


def payment_request_create(
    *,
    award: Award,
    actor: Any,
    amount: Any,
    line: ScheduledPayment | None = None,
    note: str = "",
    files: Sequence[Any] = (),
) -> PaymentRequest:
    """The beneficiary (or an officer, for a direct award) asks for a payment, with its
    supporting documents. Never more than what is committed and not yet paid or asked."""
    if not (is_beneficiary(actor, award) or can(actor, AWARD_OFFICER, award)):
        raise AwardError(_("Cette action ne vous est pas ouverte."), code="forbidden")
    value = parse_money(amount, "amount")
    checked = checked_files(files) if files else []
    with transaction.atomic():
        award = award_lock(award)
        _no_failure(award)
        if award.state not in (AwardState.AGREEMENT_SIGNED, AwardState.IN_PAYMENT):
            raise AwardError(
                _("Un versement se demande une fois la convention signée."), code="state"
            )
        if line is not None and line.award_id != award.pk:
            raise AwardError(_("Cette échéance n'est pas celle de l'aide."), code="invalid")
        if line is not None and line.kind == ScheduleKind.ON_FINAL_REPORT:
            if not award.documents.filter(kind=DocumentKind.FINAL_REPORT).exists():
                message = _("Le solde se demande sur le rapport final : déposez-le d'abord.")
                raise AwardError(message, code="invalid", errors={"amount": [message]})
        sums = award_sums(award)
        room = sums.committed - sums.paid - open_requests_total(award)
        if value <= 0 or value > room:
            message = _(
                "Montant demandé %(asked)s : au plus %(room)s peuvent encore être demandés sur "
                "cette aide."
            ) % {"asked": format_eur(value), "room": format_eur(max(room, ZERO))}
            raise AwardError(message, code="invalid", errors={"amount": [message]})
        request = PaymentRequest.objects.create(
            award=award,
            line=line,
            amount=value,
            note=note.strip(),
            requested_by=actor,
            requested_at=now(),
        )
        documents_create(award, checked, kind=DocumentKind.SUPPORTING, actor=actor, request=request)
        event_record(
            action="payment_request",
            actor=actor,
            award=award,
            payment_request=request,
            to_state=request.state,
        )
        transaction.on_commit(lambda: emails.payment_request_send(request.pk))
    return request


def _lock_request(request: PaymentRequest, state: str) -> PaymentRequest:
    request = PaymentRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != state:
        raise AwardError(
            _("Cette demande est à l'état « %(state)s ».")
            % {"state": RequestState(request.state).label},
            code="state",
        )
    return request


@transaction.atomic
def payment_request_certify(
    *, request: PaymentRequest, actor: Any, amount: Any = None
) -> PaymentRequest:
    """Liquidation: an officer certifies the service done and fixes the amount."""
    require_role(actor, Role.OFFICER)
    request = _lock_request(request, RequestState.REQUESTED)
    value = request.amount if amount in (None, "") else parse_money(amount, "amount")
    if value <= 0 or value > request.amount:
        message = _("Le montant liquidé est positif et au plus celui demandé (%(a)s).") % {
            "a": format_eur(request.amount)
        }
        raise AwardError(message, code="invalid", errors={"amount": [message]})
    request.state = RequestState.CERTIFIED
    request.certified_amount = value
    request.certified_by = actor
    request.certified_at = now()
    request.save()
    event_record(
        action="certify",
        actor=actor,
        award=request.award,
        payment_request=request,
        from_state=RequestState.REQUESTED,
        to_state=RequestState.CERTIFIED,
        reason=format_eur(value),
    )
    transaction.on_commit(lambda: emails.payment_certified_send(request.pk))
    return request


@transaction.atomic
def payment_request_refuse(*, request: PaymentRequest, actor: Any, reason: str) -> PaymentRequest:
    require_role(actor, Role.OFFICER, Role.FINANCE)
    request = PaymentRequest.objects.select_for_update().get(pk=request.pk)
    if request.state not in (RequestState.REQUESTED, RequestState.CERTIFIED):
        raise AwardError(_("Cette demande ne peut plus être refusée."), code="state")
    if not reason.strip():
        message = _("Donnez le motif du refus.")
        raise AwardError(message, code="invalid", errors={"reason": [message]})
    from_state = request.state
    request.state = RequestState.REFUSED
    request.refusal_reason = reason.strip()
    request.save()
    event_record(
        action="refuse",
        actor=actor,
        award=request.award,
        payment_request=request,
        from_state=from_state,
        to_state=RequestState.REFUSED,
        reason=request.refusal_reason,
    )
    return request


def _split(award: Award, paid_before: Decimal, amount: Decimal) -> tuple[Decimal, Decimal]:
    """(grant part, advance part) of a payment: the advance is paid pro rata, computed on
    the cumulative amount so that the parts add up to the award's exactly when all is paid."""
    if award.advance == 0:
        return amount, ZERO

    def advance_at(paid: Decimal) -> Decimal:
        return (award.advance * paid / award.total).quantize(CENT, rounding=ROUND_HALF_UP)

    advance = advance_at(paid_before + amount) - advance_at(paid_before)
    advance = min(max(advance, ZERO), amount)
    return amount - advance, advance


@transaction.atomic
def payment_order(
    *, request: PaymentRequest, actor: Any, ordered_on: date | None = None
) -> Payment:
    """Mandatement: finance orders a certified payment; the ledger records the payment
    against the award's commitment and refuses anything above what is committed."""
    require_role(actor, Role.FINANCE)
    request = _lock_request(request, RequestState.CERTIFIED)
    award = award_lock(request.award)
    _no_failure(award)
    day = ordered_on or today()
    amount = request.certified_amount
    assert amount is not None
    sums = award_sums(award)
    number = f"{award.reference}-M{award.payments.count() + 1}"
    try:
        entry = ledger_pay(
            commitment=award.commitment,
            amount=amount,
            budget_year=day.year,
            on=day,
            reference=number,
            reason=_("Mandat de l'aide %(ref)s à %(name)s")
            % {"ref": award.reference, "name": award.beneficiary_name},
            actor=actor,
        )
    except LedgerError as exc:
        raise ledger_refusal(exc) from None
    grant_part, advance_part = _split(award, sums.paid, amount)
    payment = Payment.objects.create(
        award=award,
        request=request,
        number=number,
        amount=amount,
        grant_part=grant_part,
        advance_part=advance_part,
        ordered_on=day,
        budget_year=day.year,
        ledger_entry=entry,
        ordered_by=actor,
        ordered_at=now(),
    )
    request.state = RequestState.ORDERED
    request.save(update_fields=["state"])
    event_record(
        action="order",
        actor=actor,
        award=award,
        payment_request=request,
        from_state=RequestState.CERTIFIED,
        to_state=RequestState.ORDERED,
        reason=number,
    )
    if award.state == AwardState.AGREEMENT_SIGNED:
        try:
            award_workflow.fire(award, "start_payment", actor=actor, reason=number)
        except WorkflowError as exc:
            raise workflow_refusal(exc) from None
    if award.advance > 0 and not award.instalments.exists():
        instalments_create(award, start=day)
    transaction.on_commit(lambda: emails.payment_ordered_send(payment.pk))
    return payment


@transaction.atomic
def award_close(
    *, award: Award, actor: Any, closed_on: date | None = None, reason: str = ""
) -> Award:
    """Close the award: the unspent commitment (committed minus paid) is released by a
    de-commitment; a repayable advance paid in part is re-scheduled on what was paid."""
    require_role(actor, Role.OFFICER, Role.FINANCE)
    award = award_lock(award)
    failed = FailureFinding.objects.filter(award=award).exists()
    if not failed and not award.documents.filter(kind=DocumentKind.FINAL_REPORT).exists():
        raise AwardError(
            _("L'aide se clôture sur le rapport final du bénéficiaire : il n'a pas été déposé."),
            code="state",
        )
    open_requests = award.payment_requests.filter(
        state__in=[RequestState.REQUESTED, RequestState.CERTIFIED]
    ).count()
    if open_requests:
        raise AwardError(
            _("%(n)s demande(s) de versement restent à traiter.") % {"n": open_requests},
            code="state",
        )
    day = closed_on or today()
    sums = award_sums(award)
    unspent = sums.committed - sums.paid
    try:
        award_workflow.fire(award, "close", actor=actor, reason=reason.strip())
    except WorkflowError as exc:
        raise workflow_refusal(exc) from None
    if unspent > 0:
        try:
            ledger_decommit(
                commitment=award.commitment,
                amount=unspent,
                budget_year=day.year,
                on=day,
                reference=f"{award.reference}-CLOTURE",
                reason=_("Clôture de l'aide : engagement non consommé dégagé."),
                actor=actor,
            )
        except LedgerError as exc:
            raise ledger_refusal(exc) from None
    paid_advance = advance_paid(award)
    if award.advance > 0 and not failed and paid_advance < award.advance:
        if award.instalments.exists():
            reschedule(award, remaining=paid_advance - repaid_total(award))
    transaction.on_commit(lambda: emails.closed_send(award.pk))
    return award
