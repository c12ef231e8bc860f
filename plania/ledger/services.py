"""Every euro movement goes through one of these services.

Each runs in one transaction and first locks the root envelope of the envelope it
touches (SELECT ... FOR UPDATE on PostgreSQL; SQLite runs write transactions as
BEGIN IMMEDIATE, see settings), so that two movements on the same budget line are
serialised and the invariants hold under concurrency:

- committed <= allocated, for the envelope and for every envelope above it;
- a de-commitment never exceeds what is committed and not yet paid on that commitment;
- paid <= committed for the same commitment; repaid <= paid for the same commitment.

A refused movement raises LedgerError, whose message names the envelope, the amount
asked and the amount available (DESIGN.md section 5).
"""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from plania.core.formats import format_eur
from plania.ledger.enums import EntryKind
from plania.ledger.models import LedgerEntry
from plania.ledger.selectors import EnvelopeTree, commitment_sums
from plania.plans.models import Envelope

CENT = Decimal("0.01")


class LedgerError(Exception):
    """A movement the ledger refuses; the message says why, in the active language."""

    def __init__(
        self,
        message: str,
        *,
        envelope: Envelope | None = None,
        requested: Decimal | None = None,
        available: Decimal | None = None,
    ):
        super().__init__(message)
        self.envelope = envelope
        self.requested = requested
        self.available = available


def _amount(value: Decimal | int | str, *, allow_negative: bool = False) -> Decimal:
    try:
        amount = Decimal(value)
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise LedgerError(_("Montant illisible : « %(value)s ».") % {"value": value}) from exc
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise LedgerError(
            _("Montant invalide : %(value)s (au plus deux décimales).") % {"value": value}
        )
    if amount == 0 or (amount < 0 and not allow_negative):
        raise LedgerError(
            _("Le montant doit être strictement positif (reçu : %(value)s).") % {"value": value}
        )
    return amount


def _label(envelope: Envelope) -> str:
    return f"« {envelope.name} » ({envelope.code})"


def _lock_tree(envelope: Envelope) -> EnvelopeTree:
    """Lock the root envelope of `envelope`, then read the plan's envelopes and sums."""
    root_id = envelope.pk
    parent_id = envelope.parent_id
    while parent_id is not None:
        root_id = parent_id
        parent_id = Envelope.objects.values_list("parent_id", flat=True).get(pk=parent_id)
    Envelope.objects.select_for_update().filter(pk=root_id).values_list("pk").get()
    return EnvelopeTree(Envelope.objects.filter(plan_id=envelope.plan_id))


def _record(
    *,
    envelope: Envelope,
    kind: str,
    amount: Decimal,
    budget_year: int,
    on: date,
    reference: str,
    reason: str,
    actor: object | None,
    actor_label: str,
    commitment: LedgerEntry | None = None,
) -> LedgerEntry:
    if not reference.strip():
        raise LedgerError(_("Une référence est obligatoire pour tout mouvement."))
    if not reason.strip():
        raise LedgerError(_("Un motif est obligatoire pour tout mouvement."))
    if actor is None and not actor_label.strip():
        raise LedgerError(_("Tout mouvement a un auteur (une personne ou un traitement nommé)."))
    return LedgerEntry.objects.create(
        envelope=envelope,
        kind=kind,
        amount=amount,
        budget_year=budget_year,
        value_date=on,
        reference=reference.strip(),
        reason=reason.strip(),
        actor=actor,
        actor_label=actor_label.strip(),
        commitment=commitment,
    )


def _check_year(envelope: Envelope, budget_year: int) -> None:
    if envelope.budget_year is not None and envelope.budget_year != budget_year:
        raise LedgerError(
            _(
                "Enveloppe %(envelope)s : elle est votée pour l'exercice %(year)s, "
                "un mouvement sur l'exercice %(asked)s n'est pas possible."
            )
            % {"envelope": _label(envelope), "year": envelope.budget_year, "asked": budget_year},
            envelope=envelope,
        )


def ledger_allocate(
    *,
    envelope: Envelope,
    amount: Decimal | int | str,
    budget_year: int,
    on: date,
    reference: str,
    reason: str,
    actor: object | None = None,
    actor_label: str = "",
) -> LedgerEntry:
    """Record budget authority (or a revision of it, negative to lower it)."""
    value = _amount(amount, allow_negative=True)
    with transaction.atomic():
        tree = _lock_tree(envelope)
        _check_year(envelope, budget_year)
        headroom = tree.headroom(envelope.pk)
        if value < 0 and (headroom is None or headroom + value < 0):
            committed = tree.balances(envelope.pk).committed
            raise LedgerError(
                _(
                    "Enveloppe %(envelope)s : baisse de %(asked)s refusée, "
                    "%(committed)s sont déjà engagés et seuls %(available)s peuvent être retirés."
                )
                % {
                    "envelope": _label(envelope),
                    "asked": format_eur(-value),
                    "committed": format_eur(committed),
                    "available": format_eur(max(headroom or Decimal(0), Decimal(0))),
                },
                envelope=envelope,
                requested=-value,
                available=headroom,
            )
        return _record(
            envelope=envelope,
            kind=EntryKind.ALLOCATION,
            amount=value,
            budget_year=budget_year,
            on=on,
            reference=reference,
            reason=reason,
            actor=actor,
            actor_label=actor_label,
        )


def ledger_commit(
    *,
    envelope: Envelope,
    amount: Decimal | int | str,
    budget_year: int,
    on: date,
    reference: str,
    reason: str,
    actor: object | None = None,
    actor_label: str = "",
) -> LedgerEntry:
    """Commit (engager) an amount on an envelope, within it and every envelope above it."""
    value = _amount(amount)
    with transaction.atomic():
        tree = _lock_tree(envelope)
        _check_year(envelope, budget_year)
        for pk in tree.chain(envelope.pk):
            headroom = tree.headroom(pk)
            if headroom is not None and value > headroom:
                limiting = tree.envelopes[pk]
                raise LedgerError(
                    _(
                        "Enveloppe %(envelope)s : engagement de %(asked)s refusé, "
                        "seuls %(available)s sont disponibles."
                    )
                    % {
                        "envelope": _label(limiting),
                        "asked": format_eur(value),
                        "available": format_eur(headroom),
                    },
                    envelope=limiting,
                    requested=value,
                    available=headroom,
                )
        return _record(
            envelope=envelope,
            kind=EntryKind.COMMITMENT,
            amount=value,
            budget_year=budget_year,
            on=on,
            reference=reference,
            reason=reason,
            actor=actor,
            actor_label=actor_label,
        )


def _commitment_movement(
    *,
    commitment: LedgerEntry,
    kind: str,
    amount: Decimal | int | str,
    budget_year: int,
    on: date,
    reference: str,
    reason: str,
    actor: object | None,
    actor_label: str,
) -> LedgerEntry:
    value = _amount(amount)
    if commitment.kind != EntryKind.COMMITMENT:
        raise LedgerError(_("Ce mouvement doit se rattacher à un engagement."))
    envelope = commitment.envelope
    with transaction.atomic():
        _lock_tree(envelope)
        sums = commitment_sums(commitment)
        if kind == EntryKind.DECOMMITMENT:
            available = sums["committed"] - sums["paid"]
            what = _("dégagement")
        elif kind == EntryKind.PAYMENT:
            available = sums["committed"] - sums["paid"]
            what = _("mandatement")
        else:
            available = sums["paid"] - sums["repaid"]
            what = _("remboursement")
        if value > available:
            raise LedgerError(
                _(
                    "Enveloppe %(envelope)s, engagement %(reference)s : %(what)s de %(asked)s "
                    "refusé, seuls %(available)s sont possibles."
                )
                % {
                    "envelope": _label(envelope),
                    "reference": commitment.reference,
                    "what": what,
                    "asked": format_eur(value),
                    "available": format_eur(available),
                },
                envelope=envelope,
                requested=value,
                available=available,
            )
        return _record(
            envelope=envelope,
            kind=kind,
            amount=value,
            budget_year=budget_year,
            on=on,
            reference=reference,
            reason=reason,
            actor=actor,
            actor_label=actor_label,
            commitment=commitment,
        )


def ledger_decommit(
    *,
    commitment: LedgerEntry,
    amount: Decimal | int | str,
    budget_year: int,
    on: date,
    reference: str,
    reason: str,
    actor: object | None = None,
    actor_label: str = "",
) -> LedgerEntry:
    """Release (dégager) part of a commitment that has not been paid."""
    return _commitment_movement(
        commitment=commitment,
        kind=EntryKind.DECOMMITMENT,
        amount=amount,
        budget_year=budget_year,
        on=on,
        reference=reference,
        reason=reason,
        actor=actor,
        actor_label=actor_label,
    )


def ledger_pay(
    *,
    commitment: LedgerEntry,
    amount: Decimal | int | str,
    budget_year: int,
    on: date,
    reference: str,
    reason: str,
    actor: object | None = None,
    actor_label: str = "",
) -> LedgerEntry:
    """Order a payment (mandatement) against a commitment."""
    return _commitment_movement(
        commitment=commitment,
        kind=EntryKind.PAYMENT,
        amount=amount,
        budget_year=budget_year,
        on=on,
        reference=reference,
        reason=reason,
        actor=actor,
        actor_label=actor_label,
    )


def ledger_repay(
    *,
    commitment: LedgerEntry,
    amount: Decimal | int | str,
    budget_year: int,
    on: date,
    reference: str,
    reason: str,
    actor: object | None = None,
    actor_label: str = "",
) -> LedgerEntry:
    """Record money coming back on a commitment (repayment of an advance)."""
    return _commitment_movement(
        commitment=commitment,
        kind=EntryKind.REPAYMENT,
        amount=amount,
        budget_year=budget_year,
        on=on,
        reference=reference,
        reason=reason,
        actor=actor,
        actor_label=actor_label,
    )
