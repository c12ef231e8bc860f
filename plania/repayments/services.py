"""Writes of the repayments room: the repayment schedule of an advance (from its first
payment, re-established when less was paid or on a failure finding), repayments recorded
by finance, and failure findings. Bank statement imports: plania.repayments.statements.

Refusals are plania.awards.services.AwardError; mails leave after commit
(plania.repayments.emails).
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from plania.accounts.roles import Role
from plania.awards.models import Award
from plania.awards.rules_record import terms_of
from plania.awards.selectors import advance_paid, award_sums
from plania.awards.services import (
    ZERO,
    AwardError,
    award_lock,
    event_record,
    ledger_refusal,
    now,
    parse_money,
    require_role,
    today,
)
from plania.core.formats import format_eur
from plania.ledger.services import LedgerError, ledger_decommit, ledger_repay
from plania.repayments import emails
from plania.repayments.enums import RepaymentSource
from plania.repayments.models import BankStatementLine, FailureFinding, Instalment, Repayment
from plania.repayments.selectors import coverage, repaid_total
from plania.rules import schedules
from plania.rules.money import from_cents, to_cents

# -- Repayment schedule ----------------------------------------------------------------


def instalment_reference(award: Award, number: int) -> str:
    return f"{award.reference}-E{number:02d}"


def instalments_create(award: Award, *, start: date) -> list[Instalment]:
    """The repayment schedule of the advance, from its first payment (rules core)."""
    lines = schedules.repayment_schedule(
        principal=award.advance, start=start, terms=terms_of(award)
    )
    return [
        Instalment.objects.create(
            award=award,
            number=line.number,
            due_on=line.due,
            amount=line.amount,
            reference=instalment_reference(award, line.number),
        )
        for line in lines
    ]


def reschedule(award: Award, *, remaining: Decimal) -> None:
    """Re-establish what is still to be repaid (`remaining`) over the open due dates.

    Instalments fully covered by repayments stay; the open ones (the one partly covered,
    if any, and those not covered) are superseded by new lines on the same due dates,
    `remaining` split in equal cents, the first new line also carrying what was already
    repaid on the partly covered one, so that repayments keep applying in due order.
    """
    lines = list(award.instalments.filter(superseded=False).order_by("due_on", "number"))
    covered = coverage(lines, repaid_total(award))
    open_lines = [
        (line, paid) for line, paid in zip(lines, covered, strict=True) if paid < line.amount
    ]
    if not open_lines:
        return
    partly = sum((paid for _line, paid in open_lines), ZERO)
    for line, _paid in open_lines:
        line.superseded = True
        line.save(update_fields=["superseded"])
    due_dates = [line.due_on for line, _paid in open_lines]
    amounts = [
        from_cents(c) for c in schedules.split_equal_cents(to_cents(remaining), len(due_dates))
    ]
    amounts[0] += partly
    number = max(line.number for line in lines)
    for due, amount in zip(due_dates, amounts, strict=True):
        if amount <= 0:
            continue
        number += 1
        Instalment.objects.create(
            award=award,
            number=number,
            due_on=due,
            amount=amount,
            reference=instalment_reference(award, number),
        )


# -- Repayments ------------------------------------------------------------------------


def repayment_create(
    award: Award,
    *,
    actor: Any,
    amount: Decimal,
    received_on: date,
    reference: str,
    source: str,
    instalment: Instalment | None = None,
    statement_line: BankStatementLine | None = None,
) -> Repayment:
    if award.advance == 0:
        raise AwardError(_("Cette aide n'a pas d'avance remboursable."), code="invalid")
    room = advance_paid(award) - repaid_total(award)
    if amount <= 0 or amount > room:
        raise AwardError(
            _(
                "Remboursement de %(amount)s refusé sur %(ref)s : il reste %(room)s de "
                "l'avance versée à rembourser."
            )
            % {"amount": format_eur(amount), "ref": award.reference, "room": format_eur(room)},
            code="invalid",
        )
    try:
        entry = ledger_repay(
            commitment=award.commitment,
            amount=amount,
            budget_year=received_on.year,
            on=received_on,
            reference=(reference or award.reference)[:200],
            reason=_("Remboursement de l'avance %(ref)s") % {"ref": award.reference},
            actor=actor,
        )
    except LedgerError as exc:
        raise ledger_refusal(exc) from None
    repayment = Repayment.objects.create(
        award=award,
        instalment=instalment,
        amount=amount,
        received_on=received_on,
        reference=(reference or award.reference)[:200],
        source=source,
        statement_line=statement_line,
        ledger_entry=entry,
        recorded_by=actor,
        recorded_at=now(),
    )
    event_record(
        action="repayment", actor=actor, award=award, reason=f"{amount} {reference}".strip()
    )
    return repayment


@transaction.atomic
def repayment_record(
    *, award: Award, actor: Any, amount: Any, received_on: date, reference: str = ""
) -> Repayment:
    """Record one repayment of an advance (finance)."""
    require_role(actor, Role.FINANCE)
    award = award_lock(award)
    instalment = (
        Instalment.objects.filter(
            award=award, superseded=False, reference=reference.strip()
        ).first()
        if reference
        else None
    )
    return repayment_create(
        award,
        actor=actor,
        amount=parse_money(amount, "amount"),
        received_on=received_on,
        reference=reference.strip(),
        source=RepaymentSource.MANUAL,
        instalment=instalment,
    )


# -- Failure finding -------------------------------------------------------------------


@transaction.atomic
def failure_find(
    *, award: Award, actor: Any, reason: str, found_on: date | None = None
) -> FailureFinding:
    """A failure finding (constat d'échec) forgives the scheme's share of what remains to
    be repaid of the advance paid (plania.rules.schedules.failure_finding).

    Ledger (docs/awards.md): the part of the commitment not yet paid is released (one
    de-commitment: the project stops, nothing more will be paid); the forgiven part of the
    advance already paid writes no entry — that money stays "paid" and will simply never
    come back as a repayment; what is still due keeps coming back as repayments, over a
    re-established schedule.
    """
    require_role(actor, Role.FINANCE, Role.COMMITTEE)
    award = award_lock(award)
    if award.advance == 0:
        raise AwardError(_("Cette aide n'a pas d'avance remboursable."), code="invalid")
    if FailureFinding.objects.filter(award=award).exists():
        raise AwardError(_("Un constat d'échec a déjà été prononcé sur cette aide."), code="state")
    if not reason.strip():
        message = _("Motivez le constat d'échec.")
        raise AwardError(message, code="invalid", errors={"reason": [message]})
    day = found_on or today()
    paid_advance = advance_paid(award)
    if paid_advance == 0:
        raise AwardError(
            _("Aucune avance n'a été versée : libérez l'engagement en clôturant l'aide."),
            code="state",
        )
    repaid = repaid_total(award)
    sums = award_sums(award)
    decommitment = None
    unpaid = sums.committed - sums.paid
    if unpaid > 0:
        try:
            decommitment = ledger_decommit(
                commitment=award.commitment,
                amount=unpaid,
                budget_year=day.year,
                on=day,
                reference=f"{award.reference}-ECHEC",
                reason=_("Constat d'échec : la part non versée de l'aide est dégagée."),
                actor=actor,
            )
        except LedgerError as exc:
            raise ledger_refusal(exc) from None
    # The schedule follows the advance actually paid before the share is applied.
    if paid_advance != award.advance:
        reschedule(award, remaining=paid_advance - repaid)
    lines = list(award.instalments.filter(superseded=False).order_by("due_on", "number"))
    outcome = schedules.failure_finding(
        schedule=[
            schedules.Instalment(number=i.number, due=i.due_on, amount=i.amount) for i in lines
        ],
        repaid_to_date=repaid,
        on=day,
        forgiveness_share=award.forgiveness_share,
    )
    finding = FailureFinding.objects.create(
        award=award,
        found_on=day,
        reason=reason.strip(),
        advance_paid=paid_advance,
        repaid_before=repaid,
        remaining_before=outcome.remaining_before,
        forgiveness_share=award.forgiveness_share,
        forgiven=outcome.forgiven,
        still_due=outcome.still_due,
        arrears=outcome.arrears,
        decommitment=decommitment,
        decided_by=actor,
        decided_at=now(),
    )
    reschedule(award, remaining=outcome.still_due)
    event_record(
        action="failure_finding",
        actor=actor,
        award=award,
        reason=_("%(forgiven)s abandonnés, %(due)s restent dus. %(reason)s")
        % {
            "forgiven": format_eur(outcome.forgiven),
            "due": format_eur(outcome.still_due),
            "reason": finding.reason,
        },
    )
    transaction.on_commit(lambda: emails.failure_send(finding.pk))
    return finding
