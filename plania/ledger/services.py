"""Every euro movement goes through one of these services.

Each runs in one transaction. A commitment is one conditional UPDATE of the running
totals (EnvelopeBalance) of each envelope from the root down: `committed + amount <=
allocated` or nothing, which PostgreSQL serialises on the row (and a CHECK constraint
backs); every level's UPDATE and the INSERT of the entry are one statement. Allocations,
de-commitments, payments and repayments lock the root envelope row (SELECT ... FOR NO KEY
UPDATE). So the invariants hold under concurrency:

- committed <= allocated, for the envelope and for every envelope above it;
- a de-commitment never exceeds what is committed and not yet paid on that commitment;
- paid <= committed for the same commitment; repaid <= paid for the same commitment;
- an annual envelope (budget_year set) and everything below it take only that year.

Each entry is hash-chained to the previous entry on its envelope (plania.core.chain,
plania.ledger.models): the service advances the chain head kept on the envelope's
EnvelopeBalance row in SQL, `chain_head = sha256(chain_head || payload || seal)` (the seal,
an HMAC of the payload under the chains' key, is made here: the key never reaches the
database; plania.core.chain.sealed_link), inside an UPDATE
of that row it makes anyway (or one more, for payments and repayments), then inserts the
entry with the new head read by a sub-select. The row lock taken by that UPDATE orders the
envelope's entries, so ids follow the chain.

A refused movement raises LedgerError, whose message names the envelope, the amount
asked and the amount available (DESIGN.md section 5), and leaves no row behind.
"""

from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F, Q, Subquery, Value
from django.db.models.functions import SHA256, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from plania.core.chain import canonical, sealed_payload
from plania.core.formats import format_eur
from plania.ledger.enums import EntryKind
from plania.ledger.models import EnvelopeBalance, LedgerEntry
from plania.ledger.selectors import commitment_sums
from plania.plans.models import Envelope

CENT = Decimal("0.01")
# DecimalField(max_digits=14, decimal_places=2): twelve digits before the comma.
MAX_AMOUNT = Decimal("999999999999.99")


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
    if isinstance(value, float):
        # 0.1 is not 0.10 in binary: the ledger never takes a float (CONVENTIONS.md).
        raise LedgerError(
            _("Montant en nombre flottant refusé (%(value)s) : donnez un Decimal ou une chaîne.")
            % {"value": value}
        )
    try:
        amount = Decimal(value)
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise LedgerError(_("Montant illisible : « %(value)s ».") % {"value": value}) from exc
    if not amount.is_finite():
        raise LedgerError(
            _("Montant invalide : %(value)s (au plus deux décimales).") % {"value": value}
        )
    # Checked before quantize(), which raises on numbers wider than the decimal context.
    if abs(amount) > MAX_AMOUNT:
        raise LedgerError(
            _("Montant hors limites : %(value)s (au plus %(max)s).")
            % {"value": value, "max": format_eur(MAX_AMOUNT)}
        )
    if amount != amount.quantize(CENT):
        raise LedgerError(
            _("Montant invalide : %(value)s (au plus deux décimales).") % {"value": value}
        )
    if amount == 0:
        raise LedgerError(
            _("Un mouvement de 0 € n'a pas de sens (reçu : %(value)s).") % {"value": value}
        )
    if amount < 0 and not allow_negative:
        raise LedgerError(
            _("Le montant doit être strictement positif (reçu : %(value)s).") % {"value": value}
        )
    return amount.quantize(CENT)


def _require(*, reference: str, reason: str, actor: object | None, actor_label: str) -> None:
    if not reference.strip():
        raise LedgerError(_("Une référence est obligatoire pour tout mouvement."))
    if not reason.strip():
        raise LedgerError(_("Un motif est obligatoire pour tout mouvement."))
    if actor is None and not actor_label.strip():
        raise LedgerError(_("Tout mouvement a un auteur (une personne ou un traitement nommé)."))


def _label(envelope: Envelope) -> str:
    return f"« {envelope.name} » ({envelope.code})"


_ANCESTORS_SQL = """
    WITH RECURSIVE up (id, parent_id, budget_year, depth) AS (
        SELECT id, parent_id, budget_year, 0 FROM {envelopes} WHERE id = %s
        UNION ALL
        SELECT e.id, e.parent_id, e.budget_year, up.depth + 1
        FROM {envelopes} e JOIN up ON e.id = up.parent_id
    )
    SELECT id, budget_year FROM up WHERE depth > 0 ORDER BY depth
"""


def _ancestors(envelope: Envelope) -> list[tuple[int, int | None]]:
    """(id, budget_year) of `envelope` and of every envelope above it, root last.

    Read before any lock: the tree's shape and years change only with a plan revision.
    One query whatever the depth (none for a root).
    """
    chain = [(envelope.pk, envelope.budget_year)]
    if envelope.parent_id is None:
        return chain
    sql = _ANCESTORS_SQL.format(envelopes=connection.ops.quote_name(Envelope._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql, [envelope.pk])
        chain += [(pk, year) for pk, year in cursor.fetchall()]
    return chain


def _lock(root_id: int) -> None:
    # NO KEY UPDATE, not UPDATE: it serialises ledger movements on this root just as well,
    # and does not conflict with the KEY SHARE locks that foreign-key checks take on the
    # envelope row (a ledger entry or any other row pointing at it being inserted), so
    # those writers never queue behind the ledger.
    Envelope.objects.select_for_update(no_key=True).filter(pk=root_id).values_list("pk").get()


def _check_year(chain: list[tuple[int, int | None]], budget_year: int) -> None:
    for pk, year in chain:
        if year is not None and year != budget_year:
            envelope = Envelope.objects.get(pk=pk)
            raise LedgerError(
                _(
                    "Enveloppe %(envelope)s : elle est votée pour l'exercice %(year)s, "
                    "un mouvement sur l'exercice %(asked)s n'est pas possible."
                )
                % {"envelope": _label(envelope), "year": year, "asked": budget_year},
                envelope=envelope,
            )


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
    """The entry, not yet written: its canonical form goes into the chain head first."""
    return LedgerEntry(
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
        recorded_at=timezone.now(),
    )


class _Sha256(SHA256):
    """Django's SHA256, with PostgreSQL's built-in sha256() (Django's needs pgcrypto)."""

    def as_postgresql(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        return self.as_sql(
            compiler,
            connection,
            template="ENCODE(SHA256(CONVERT_TO(%(expressions)s, 'UTF8')), 'hex')",
            **extra_context,
        )


def _next_head(entry: LedgerEntry) -> SHA256:
    """The envelope's new chain head, as an expression of its current one (in the UPDATE)."""
    return _Sha256(Concat(F("chain_head"), Value(sealed_payload(canonical(entry)))))


def _insert(entry: LedgerEntry) -> LedgerEntry:
    """Write `entry` with the chain head its envelope's row holds now (just advanced)."""
    entry.chain_hash = Subquery(  # type: ignore[assignment]
        EnvelopeBalance.objects.filter(envelope_id=entry.envelope_id).values("chain_head")[:1]
    )
    entry.save()
    # Loaded on first access: the value the database computed.
    del entry.__dict__["chain_hash"]
    return entry


# PostgreSQL: every level's conditional UPDATE, root first, then the INSERT of the entry
# with the leaf's new chain head, in one statement. The locks a commitment holds on its
# envelopes' rows then last one statement and the commit, not one round trip per level
# (bench/ledger_contention.py: 16 workers on a three-level envelope). Each level's UPDATE
# runs only if the level above it succeeded (EXISTS on its CTE), which also makes it run
# after that level: the rows are locked root first, in the same order as every other
# movement takes them, so two commitments never wait on each other in a cycle. A level
# whose condition fails stops the levels below it and the INSERT: the statement returns
# no row, and the caller rolls back what the levels above did.
_LEVEL_SQL = """
    {name} AS (
        UPDATE {balances} SET committed_cents = committed_cents + %s{head}
        WHERE envelope_id = %s AND (NOT constrained OR allocated_cents >= committed_cents + %s)
        {after}
        RETURNING {returning}
    )"""
_COMMIT_SQL = """
    WITH {levels}
    INSERT INTO {entries} ({columns}, chain_hash)
    SELECT {placeholders}, head.chain_head FROM head
    RETURNING id, chain_hash
"""
_HEAD_SQL = ", chain_head = ENCODE(SHA256(CONVERT_TO(chain_head || %s, 'UTF8')), 'hex')"


class _Refused(Exception):
    """The one-statement commitment changed nothing below some level: roll it back."""


def _commit_in_one_statement(entry: LedgerEntry, chain: list[int], cents: int) -> bool:
    """PostgreSQL only: every level of `chain` (root first, the entry's envelope last) and
    the INSERT in one statement; False (with the levels above rolled back by the caller)
    if a level refused or has no running-totals row yet."""
    fields = [
        f
        for f in LedgerEntry._meta.concrete_fields
        if not f.primary_key and f.attname != "chain_hash"
    ]
    balances = connection.ops.quote_name(EnvelopeBalance._meta.db_table)
    levels, params = [], []
    for depth, pk in enumerate(chain):
        leaf = depth == len(chain) - 1
        name = "head" if leaf else f"level{depth}"
        levels.append(
            _LEVEL_SQL.format(
                name=name,
                balances=balances,
                head=_HEAD_SQL if leaf else "",
                after=f"AND EXISTS (SELECT 1 FROM level{depth - 1})" if depth else "",
                returning="chain_head" if leaf else "envelope_id",
            )
        )
        params += [cents, *([sealed_payload(canonical(entry))] if leaf else []), pk, cents]
    sql = _COMMIT_SQL.format(
        levels=",".join(levels),
        entries=connection.ops.quote_name(LedgerEntry._meta.db_table),
        columns=", ".join(connection.ops.quote_name(f.column) for f in fields),
        placeholders=", ".join("%s" for _f in fields),
    )
    values = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *values])
        row = cursor.fetchone()
    if row is None:
        return False
    entry.pk, entry.chain_hash = row
    entry._state.adding, entry._state.db = False, connection.alias
    return True


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


def _euros(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def _balance(pk: int) -> EnvelopeBalance:
    """The running totals of envelope `pk`, created (empty) if it never had any."""
    row = EnvelopeBalance.objects.filter(envelope_id=pk).first()
    if row is None:
        env = Envelope.objects.only("parent_id", "cap").get(pk=pk)
        # get_or_create runs in a savepoint: a concurrent creator wins, we read its row.
        row, _created = EnvelopeBalance.objects.get_or_create(
            envelope_id=pk,
            defaults={"constrained": env.parent_id is None or env.cap is not None},
        )
    return row


def _add_committed(pk: int, cents: int, *, check: bool, entry: LedgerEntry | None = None) -> bool:
    """committed += cents on envelope pk; with `check`, only if it stays within allocated.
    With `entry`, the same UPDATE advances the envelope's chain head over it.

    One UPDATE: PostgreSQL locks the row, and if another transaction changed it first,
    re-evaluates the condition on the committed row before writing (READ COMMITTED).
    """
    rows = EnvelopeBalance.objects.filter(envelope_id=pk)
    if check:
        rows = rows.filter(
            Q(constrained=False) | Q(allocated_cents__gte=F("committed_cents") + cents)
        )
    changes = {"committed_cents": F("committed_cents") + cents}
    if entry is not None:
        changes["chain_head"] = _next_head(entry)
    return rows.update(**changes) == 1


def _named(envelope: Envelope, pk: int) -> Envelope:
    return envelope if envelope.pk == pk else Envelope.objects.get(pk=pk)


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
    _require(reference=reference, reason=reason, actor=actor, actor_label=actor_label)
    chain = _ancestors(envelope)
    _check_year(chain, budget_year)
    entry = _record(
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
    with transaction.atomic():
        _lock(chain[-1][0])
        balance = _balance(envelope.pk)
        cents = _cents(value)
        # A lowered allocation never goes below what is committed on the envelope.
        updated = (
            EnvelopeBalance.objects.filter(envelope_id=envelope.pk)
            .filter(allocated_cents__gte=F("committed_cents") - cents)
            .update(
                allocated_cents=F("allocated_cents") + cents,
                constrained=True,
                chain_head=_next_head(entry),
            )
        )
        if not updated:
            balance.refresh_from_db()
            headroom = _euros(balance.allocated_cents - balance.committed_cents)
            available = max(headroom, Decimal(0))
            raise LedgerError(
                _(
                    "Enveloppe %(envelope)s : baisse de %(asked)s refusée, %(committed)s "
                    "sont déjà engagés et seuls %(available)s peuvent être retirés."
                )
                % {
                    "envelope": _label(envelope),
                    "asked": format_eur(-value),
                    "committed": format_eur(_euros(balance.committed_cents)),
                    "available": format_eur(available),
                },
                envelope=envelope,
                requested=-value,
                available=available,
            )
        return _insert(entry)


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
    _require(reference=reference, reason=reason, actor=actor, actor_label=actor_label)
    chain = _ancestors(envelope)
    _check_year(chain, budget_year)
    entry = _record(
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
    cents = _cents(value)
    try:
        with transaction.atomic():
            if _commit_in_one_statement(entry, [pk for pk, _year in reversed(chain)], cents):
                return entry
            raise _Refused
    except _Refused:
        # Refused, or a level without its running-totals row yet: nothing was written.
        # The step-by-step path below creates the row or names the limiting envelope.
        entry.pk = None
    with transaction.atomic():
        # The totals first, the row after: the envelope's own UPDATE (the last one) also
        # advances its chain head, and the INSERT takes the new head while that row is
        # locked, so the envelope's entries get their ids in chain order. A refusal rolls
        # back both.
        # Root first, then down the chain: every commitment under a root takes the rows in
        # the same order, so two of them never wait on each other in a cycle.
        for pk, _year in reversed(chain):
            link = entry if pk == envelope.pk else None
            if _add_committed(pk, cents, check=True, entry=link):
                continue
            balance = _balance(pk)
            if not balance.constrained and _add_committed(pk, cents, check=True, entry=link):
                continue  # the row did not exist yet (a sub-envelope without a cap)
            available = _euros(balance.allocated_cents - balance.committed_cents)
            limiting = _named(envelope, pk)
            raise LedgerError(
                _(
                    "Enveloppe %(envelope)s : engagement de %(asked)s refusé, "
                    "seuls %(available)s sont disponibles."
                )
                % {
                    "envelope": _label(limiting),
                    "asked": format_eur(value),
                    "available": format_eur(max(available, Decimal(0))),
                },
                envelope=limiting,
                requested=value,
                available=available,
            )
        return _insert(entry)


def check_movement(
    *, kind: str, value: Decimal, sums: dict[str, Decimal], envelope: Envelope, reference: str
) -> None:
    """Refuse a de-commitment, payment or repayment of `value` beyond what the commitment
    (`sums`: its net committed, paid and repaid, `commitment_sums`) leaves room for: a
    de-commitment or a payment up to what is committed and not paid, a repayment up to
    what was paid and not repaid."""
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
                "reference": reference,
                "what": what,
                "asked": format_eur(value),
                "available": format_eur(available),
            },
            envelope=envelope,
            requested=value,
            available=available,
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
    _require(reference=reference, reason=reason, actor=actor, actor_label=actor_label)
    envelope = commitment.envelope
    chain = _ancestors(envelope)
    entry = _record(
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
    with transaction.atomic():
        _lock(chain[-1][0])
        check_movement(
            kind=kind,
            value=value,
            sums=commitment_sums(commitment),
            envelope=envelope,
            reference=commitment.reference,
        )
        if kind == EntryKind.DECOMMITMENT:
            for pk, _year in reversed(chain):
                link = entry if pk == envelope.pk else None
                _add_committed(pk, -_cents(value), check=False, entry=link)
        else:
            EnvelopeBalance.objects.filter(envelope_id=envelope.pk).update(
                chain_head=_next_head(entry)
            )
        return _insert(entry)


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
