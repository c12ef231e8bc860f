"""Many ledger entries in one transaction, written in bulk (demo data at scale,
bench/steering_at_scale.py): what the services guarantee, by the services' own rules,
without a lock and three statements per movement.

    with transaction.atomic():
        batch = LedgerBatch(actor_label="plania demo_data")
        commitment = batch.commit(envelope_id=..., amount=..., budget_year=..., on=...,
                                  reference=..., reason=...)
        batch.pay(commitment_id=commitment, amount=..., ...)
        for envelope_id, missing in batch.shortfalls().items():
            batch.allocate(envelope_id=envelope_id, amount=missing, ...)  # or give up
        batch.close()

- Amounts, references and reasons are checked as the services check them, and so are the
  budget year of an annual envelope and what a de-commitment, payment or repayment may
  take from its commitment (`plania.ledger.services.check_movement`); a refusal raises
  LedgerError.
- Each entry's chain hash is `plania.core.chain.sealed_link(previous, canonical(entry))` on its
  envelope's chain, from the chain head EnvelopeBalance holds; entries get their ids from
  the table's sequence, in the order they are added, so ids follow every chain.
- `close()` writes what is left and advances each envelope's running totals by what the
  batch's entries add to them, as `plania.ledger.selectors.EnvelopeTree` derives totals
  from entries (the definition `balances_match_entries` checks): own allocations, and net
  commitments of the envelope and everything below it. An envelope the batch would leave
  committed beyond its credits is refused (LedgerError) before anything is advanced: the
  caller tops it up first (`shortfalls()`).
- An entry is recorded (`recorded_at`) on its value date, so that the same batch gives
  the same rows and hashes; no person acts, `actor_label` names the program.
- Ids taken from the sequence and not used are a gap, as a rolled-back insert leaves.

The batch locks the entries table (EXCLUSIVE: reads go on, no other movement is recorded
until the commit), so that no service's entry slips into a chain between two of its ids.
"""

from collections import defaultdict
from datetime import UTC, date, datetime, time
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from plania.core.chain import canonical, sealed_link
from plania.core.formats import format_eur
from plania.ledger.enums import EntryKind
from plania.ledger.models import EnvelopeBalance, LedgerEntry
from plania.ledger.selectors import EnvelopeTree, Sums, commitment_sums
from plania.ledger.services import (
    LedgerError,
    _amount,
    _balance,
    _check_year,
    _label,
    _require,
    check_movement,
)
from plania.plans.models import Envelope

ZERO = Decimal("0.00")
# An entry is recorded on its value date at this hour (UTC): a batch is deterministic.
RECORDED_AT = time(11)
# Rows kept in memory before they are written, and ids taken from the sequence at once.
FLUSH_EVERY = 20_000


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


class LedgerBatch:
    def __init__(self, *, actor_label: str) -> None:
        if not connection.in_atomic_block:
            raise LedgerError("LedgerBatch runs inside transaction.atomic().")
        self.actor_label = actor_label
        with connection.cursor() as cursor:
            cursor.execute(
                f"LOCK TABLE {connection.ops.quote_name(LedgerEntry._meta.db_table)} "
                "IN EXCLUSIVE MODE"
            )
        self.envelopes = {e.pk: e for e in Envelope.objects.all()}
        # The sums of the entries already there (one grouped query), for `shortfalls`.
        self.before = EnvelopeTree(self.envelopes.values())
        self.heads = dict(EnvelopeBalance.objects.values_list("envelope_id", "chain_head"))
        self.sums: Sums = defaultdict(lambda: defaultdict(lambda: ZERO))
        # Commitments this batch has touched: envelope, net committed, paid, repaid.
        self.commitments: dict[int, dict[str, Decimal]] = {}
        self.commitment_envelopes: dict[int, int] = {}
        self.commitment_references: dict[int, str] = {}
        self.allocated_on: set[int] = set()
        self.pending: list[LedgerEntry] = []
        self.ids: list[int] = []
        self.written = 0
        self.closed = False

    # -- what the batch reads ----------------------------------------------------------

    def chain(self, envelope_id: int) -> list[tuple[int, int | None]]:
        """(id, budget year) of the envelope and every one above it, root last."""
        out = []
        current: int | None = envelope_id
        while current is not None:
            envelope = self.envelopes[current]
            out.append((current, envelope.budget_year))
            current = envelope.parent_id
        return out

    def year(self, envelope_id: int, on: date) -> int:
        """The budget year of a movement on the envelope dated `on`: an annual envelope's
        (or the annual envelope's above it), otherwise the year of `on`."""
        for _pk, year in self.chain(envelope_id):
            if year is not None:
                return year
        return on.year

    def _after(self) -> EnvelopeTree:
        """The envelopes with the sums of the entries there before and of this batch."""
        sums: Sums = defaultdict(lambda: defaultdict(lambda: ZERO))
        for source in (self.before.sums, self.sums):
            for pk, kinds in source.items():
                for kind, total in kinds.items():
                    sums[pk][kind] += total
        return EnvelopeTree(self.envelopes.values(), sums=sums)

    def shortfalls(self) -> dict[int, Decimal]:
        """Envelope id -> what its credits lack, for every envelope that limits
        commitments and that this batch would leave committed beyond them."""
        after = self._after()
        out = {}
        for pk in self.envelopes:
            headroom = after.headroom(pk)
            if headroom is not None and headroom < 0:
                out[pk] = -headroom
        return out

    # -- movements ---------------------------------------------------------------------

    def _next_id(self) -> int:
        if not self.ids:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [LedgerEntry._meta.db_table, FLUSH_EVERY],
                )
                self.ids = [row[0] for row in cursor.fetchall()][::-1]
        return self.ids.pop()

    def _add(
        self,
        *,
        envelope_id: int,
        kind: str,
        value: Decimal,
        budget_year: int,
        on: date,
        reference: str,
        reason: str,
        commitment_id: int | None = None,
    ) -> int:
        if self.closed:
            raise LedgerError("This LedgerBatch is closed.")
        _require(reference=reference, reason=reason, actor=None, actor_label=self.actor_label)
        _check_year(self.chain(envelope_id), budget_year)
        entry = LedgerEntry(
            id=self._next_id(),
            envelope_id=envelope_id,
            kind=kind,
            amount=value,
            budget_year=budget_year,
            value_date=on,
            reference=reference.strip(),
            reason=reason.strip(),
            commitment_id=commitment_id,
            actor_id=None,
            actor_label=self.actor_label.strip(),
            recorded_at=datetime.combine(on, RECORDED_AT, tzinfo=UTC),
        )
        entry.chain_hash = sealed_link(self.heads.get(envelope_id, ""), canonical(entry))
        self.heads[envelope_id] = entry.chain_hash
        self.sums[envelope_id][kind] += value
        self.pending.append(entry)
        if len(self.pending) >= FLUSH_EVERY:
            self.flush()
        return entry.id

    def allocate(
        self,
        *,
        envelope_id: int,
        amount: Decimal,
        budget_year: int,
        on: date,
        reference: str,
        reason: str,
    ) -> int:
        value = _amount(amount, allow_negative=True)
        self.allocated_on.add(envelope_id)
        return self._add(
            envelope_id=envelope_id,
            kind=EntryKind.ALLOCATION,
            value=value,
            budget_year=budget_year,
            on=on,
            reference=reference,
            reason=reason,
        )

    def commit(
        self,
        *,
        envelope_id: int,
        amount: Decimal,
        budget_year: int,
        on: date,
        reference: str,
        reason: str,
    ) -> int:
        """A commitment; its envelope's credits are checked at `close` (`shortfalls`)."""
        value = _amount(amount)
        pk = self._add(
            envelope_id=envelope_id,
            kind=EntryKind.COMMITMENT,
            value=value,
            budget_year=budget_year,
            on=on,
            reference=reference,
            reason=reason,
        )
        self.commitments[pk] = {"committed": value, "paid": ZERO, "repaid": ZERO}
        self.commitment_envelopes[pk] = envelope_id
        self.commitment_references[pk] = reference.strip()
        return pk

    def _commitment(self, commitment_id: int) -> dict[str, Decimal]:
        if commitment_id not in self.commitments:
            self.flush()
            commitment = LedgerEntry.objects.filter(
                pk=commitment_id, kind=EntryKind.COMMITMENT
            ).first()
            if commitment is None:
                raise LedgerError(_("Ce mouvement doit se rattacher à un engagement."))
            self.commitments[commitment_id] = commitment_sums(commitment)
            self.commitment_envelopes[commitment_id] = commitment.envelope_id
            self.commitment_references[commitment_id] = commitment.reference
        return self.commitments[commitment_id]

    def _movement(
        self,
        kind: str,
        *,
        commitment_id: int,
        amount: Decimal,
        budget_year: int,
        on: date,
        reference: str,
        reason: str,
    ) -> int:
        value = _amount(amount)
        sums = self._commitment(commitment_id)
        envelope_id = self.commitment_envelopes[commitment_id]
        check_movement(
            kind=kind,
            value=value,
            sums=sums,
            envelope=self.envelopes[envelope_id],
            reference=self.commitment_references[commitment_id],
        )
        pk = self._add(
            envelope_id=envelope_id,
            kind=kind,
            value=value,
            budget_year=budget_year,
            on=on,
            reference=reference,
            reason=reason,
            commitment_id=commitment_id,
        )
        if kind == EntryKind.DECOMMITMENT:
            sums["committed"] -= value
        elif kind == EntryKind.PAYMENT:
            sums["paid"] += value
        else:
            sums["repaid"] += value
        return pk

    def pay(
        self,
        *,
        commitment_id: int,
        amount: Decimal,
        budget_year: int,
        on: date,
        reference: str,
        reason: str,
    ) -> int:
        return self._movement(
            EntryKind.PAYMENT,
            commitment_id=commitment_id,
            amount=amount,
            budget_year=budget_year,
            on=on,
            reference=reference,
            reason=reason,
        )

    def repay(
        self,
        *,
        commitment_id: int,
        amount: Decimal,
        budget_year: int,
        on: date,
        reference: str,
        reason: str,
    ) -> int:
        return self._movement(
            EntryKind.REPAYMENT,
            commitment_id=commitment_id,
            amount=amount,
            budget_year=budget_year,
            on=on,
            reference=reference,
            reason=reason,
        )

    def decommit(
        self,
        *,
        commitment_id: int,
        amount: Decimal,
        budget_year: int,
        on: date,
        reference: str,
        reason: str,
    ) -> int:
        return self._movement(
            EntryKind.DECOMMITMENT,
            commitment_id=commitment_id,
            amount=amount,
            budget_year=budget_year,
            on=on,
            reference=reference,
            reason=reason,
        )

    # -- writing -----------------------------------------------------------------------

    @property
    def count(self) -> int:
        """Entries added so far, written or not."""
        return self.written + len(self.pending)

    def flush(self) -> None:
        """Write the entries added so far (the rows that point at them need them)."""
        if self.pending:
            LedgerEntry.objects.bulk_create(self.pending, batch_size=5000)
            self.written += len(self.pending)
            self.pending = []

    @transaction.atomic
    def close(self) -> None:
        """Write the rest and advance the running totals and chain heads (module
        docstring); refused, with nothing advanced, if an envelope would be over-committed."""
        shortfalls = self.shortfalls()
        if shortfalls:
            pk, missing = min(shortfalls.items())
            raise LedgerError(
                _(
                    "Enveloppe %(envelope)s : engagements au-delà des crédits, il manque "
                    "%(missing)s."
                )
                % {"envelope": _label(self.envelopes[pk]), "missing": format_eur(missing)},
                envelope=self.envelopes[pk],
                available=-missing,
            )
        self.flush()
        batch = EnvelopeTree(self.envelopes.values(), sums=self.sums)
        touched = {pk for pk, _year in (p for e in self.sums for p in self.chain(e))}
        for pk in sorted(touched):
            allocated = _cents(batch.sums[pk][EntryKind.ALLOCATION])
            committed = _cents(batch.committed(pk))
            head = self.heads.get(pk)
            if not allocated and not committed and head is None:
                continue
            _balance(pk)
            changes: dict[str, object] = {
                "allocated_cents": F("allocated_cents") + allocated,
                "committed_cents": F("committed_cents") + committed,
            }
            if head is not None:
                changes["chain_head"] = head
            if pk in self.allocated_on:
                changes["constrained"] = True
            EnvelopeBalance.objects.filter(envelope_id=pk).update(**changes)
        self.closed = True
