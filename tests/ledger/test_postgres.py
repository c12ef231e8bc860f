"""The ledger on PostgreSQL: append-only against raw SQL, and no over-commitment under load.

These tests use real parallel connections (DESIGN.md section 8), so they run in
transaction=True mode: each thread's own connection must see the committed set-up rows.
"""

import random
import threading
from decimal import Decimal

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum

from plania.core.chain import verify_model
from plania.ledger.enums import EntryKind
from plania.ledger.models import LedgerEntry
from plania.ledger.selectors import balances_match_entries, envelope_balances
from plania.ledger.services import LedgerError, ledger_commit
from plania.plans.models import Envelope
from tests.factories import TEST_DAY, TEST_YEAR, envelope_with_allocation

pytestmark = [pytest.mark.django_db(transaction=True)]

THREADS = 16
ATTEMPTS = 200
ALLOCATION = Decimal("1000000.00")
# Random amounts from 0.01 to 15,000.00 EUR, in cents.
MAX_CENTS = 1_500_000
SEED = 20240712


@pytest.mark.parametrize(
    ("statement", "operation"),
    [
        ("UPDATE ledger_ledgerentry SET amount = 1 WHERE id = %s", "UPDATE"),
        ("UPDATE ledger_ledgerentry SET reason = 'rewritten' WHERE id = %s", "UPDATE"),
        ("DELETE FROM ledger_ledgerentry WHERE id = %s", "DELETE"),
    ],
)
def test_trigger_refuses_raw_update_and_delete(statement: str, operation: str) -> None:
    envelope = envelope_with_allocation("1000.00")
    entry = LedgerEntry.objects.get(envelope=envelope)

    with pytest.raises(IntegrityError) as info, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement, [entry.pk])

    cause = info.value.__cause__
    assert isinstance(cause, psycopg.errors.IntegrityConstraintViolation)
    assert f"{operation} refused on ledger_ledgerentry id {entry.pk}" in str(cause)
    stored = LedgerEntry.objects.get(pk=entry.pk)
    assert (stored.amount, stored.reason) == (Decimal("1000.00"), "Affectation de test")
    assert LedgerEntry.objects.count() == 1


def test_trigger_refuses_a_statement_touching_many_rows() -> None:
    envelope = envelope_with_allocation("1000.00")
    ledger_commit(
        envelope=envelope,
        amount="10.00",
        budget_year=TEST_YEAR,
        on=TEST_DAY,
        reference="ENG",
        reason="Aide",
        actor_label="tests",
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE ledger_ledgerentry SET amount = amount * 2")

    assert sorted(LedgerEntry.objects.values_list("amount", flat=True)) == [
        Decimal("10.00"),
        Decimal("1000.00"),
    ]


def test_parallel_commitments_never_exceed_the_allocation() -> None:
    """Acceptance (issue 2): 16 connections x 200 random commitments on one envelope."""
    envelope_id = envelope_with_allocation(ALLOCATION).pk
    barrier = threading.Barrier(THREADS)
    lock = threading.Lock()
    accepted: list[Decimal] = []
    refusals: list[LedgerError] = []
    unexpected: list[BaseException] = []

    def worker(index: int) -> None:
        rng = random.Random(SEED + index)
        mine_accepted: list[Decimal] = []
        mine_refused: list[LedgerError] = []
        try:
            # Each thread has its own Django connection (connections are thread-local).
            envelope = Envelope.objects.get(pk=envelope_id)
            barrier.wait(timeout=60)
            for attempt in range(ATTEMPTS):
                amount = Decimal(rng.randint(1, MAX_CENTS)) / 100
                try:
                    ledger_commit(
                        envelope=envelope,
                        amount=amount,
                        budget_year=TEST_YEAR,
                        on=TEST_DAY,
                        reference=f"ENG-{index}-{attempt}",
                        reason="Engagement concurrent",
                        actor_label=f"thread {index}",
                    )
                except LedgerError as exc:
                    mine_refused.append(exc)
                else:
                    mine_accepted.append(amount)
        except BaseException as exc:  # a deadlock, a serialisation failure, anything
            with lock:
                unexpected.append(exc)
        finally:
            connection.close()
            with lock:
                accepted.extend(mine_accepted)
                refusals.extend(mine_refused)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)

    assert unexpected == []
    assert len(accepted) + len(refusals) == THREADS * ATTEMPTS
    commitments = LedgerEntry.objects.filter(envelope_id=envelope_id, kind=EntryKind.COMMITMENT)
    committed = commitments.aggregate(total=Sum("amount"))["total"]
    assert committed <= ALLOCATION
    assert committed == sum(accepted, Decimal("0.00"))  # to the cent
    assert commitments.count() == len(accepted)
    # The random amounts ask for about 24M EUR: most attempts must have been refused, and
    # the envelope must have been filled up, not left half empty by spurious refusals.
    assert len(refusals) > THREADS * ATTEMPTS // 2
    assert committed >= ALLOCATION - Decimal("1000.00")
    # Every refusal says what was left, and that was less than what was asked.
    for error in refusals:
        assert error.envelope is not None and error.envelope.pk == envelope_id
        assert error.available is not None and error.requested is not None
        assert error.available < error.requested
    balances = envelope_balances(Envelope.objects.get(pk=envelope_id))
    assert (balances.committed, balances.available) == (committed, ALLOCATION - committed)
    # The running totals the commitment path checks agree with the entries to the cent.
    assert balances_match_entries() == []


def test_parallel_commitments_on_a_three_level_tree_respect_every_level() -> None:
    """The one-statement commitment (every level's UPDATE and the INSERT together) under
    16 connections: leaves under two capped sub-envelopes of one root, one of them annual.
    No level over its budget, no deadlock, totals and hash chains intact."""
    root = envelope_with_allocation("30000.00")
    middles = [
        envelope_with_allocation("20000.00", parent=root, cap=Decimal("20000.00")),
        envelope_with_allocation("20000.00", parent=root, cap=Decimal("20000.00")),
    ]
    leaves = [
        envelope_with_allocation("12000.00", parent=middles[0], cap=Decimal("12000.00")),
        envelope_with_allocation("15000.00", parent=middles[1], cap=Decimal("15000.00")),
        envelope_with_allocation(
            "15000.00", parent=middles[1], cap=Decimal("15000.00"), budget_year=TEST_YEAR
        ),
    ]
    leaf_ids = [leaf.pk for leaf in leaves]
    barrier = threading.Barrier(THREADS)
    lock = threading.Lock()
    accepted: dict[int, Decimal] = dict.fromkeys(leaf_ids, Decimal("0.00"))
    refused_by: list[int] = []
    unexpected: list[BaseException] = []

    def worker(index: int) -> None:
        rng = random.Random(SEED + index)
        try:
            envelopes = list(Envelope.objects.filter(pk__in=leaf_ids))
            barrier.wait(timeout=60)
            for attempt in range(50):
                envelope = rng.choice(envelopes)
                amount = Decimal(rng.randint(1, 100_000)) / 100
                try:
                    ledger_commit(
                        envelope=envelope,
                        amount=amount,
                        budget_year=TEST_YEAR,
                        on=TEST_DAY,
                        reference=f"ENG-{index}-{attempt}",
                        reason="Engagement concurrent",
                        actor_label=f"thread {index}",
                    )
                except LedgerError as exc:
                    assert exc.envelope is not None and exc.available is not None
                    assert exc.requested is not None and exc.available < exc.requested
                    with lock:
                        refused_by.append(exc.envelope.pk)
                else:
                    with lock:
                        accepted[envelope.pk] += amount
        except BaseException as exc:  # a deadlock, a serialisation failure, anything
            with lock:
                unexpected.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)

    assert unexpected == []
    for leaf in leaves:
        total = LedgerEntry.objects.filter(envelope=leaf, kind=EntryKind.COMMITMENT).aggregate(
            total=Sum("amount")
        )["total"] or Decimal("0.00")
        assert total == accepted[leaf.pk]  # to the cent
        assert total <= leaf.cap
    for middle, under in ((middles[0], leaves[:1]), (middles[1], leaves[1:])):
        assert sum(accepted[leaf.pk] for leaf in under) <= middle.cap
    grand_total = sum(accepted.values(), Decimal("0.00"))
    assert grand_total <= Decimal("30000.00")
    # The random amounts ask for about 400k EUR: the root filled up, every level refused.
    assert grand_total >= Decimal("29000.00")
    assert root.pk in refused_by
    assert balances_match_entries() == []
    assert envelope_balances(Envelope.objects.get(pk=root.pk)).committed == grand_total
    checked, problems, _heads = verify_model(LedgerEntry)
    assert problems == []
    assert checked == LedgerEntry.objects.count()
