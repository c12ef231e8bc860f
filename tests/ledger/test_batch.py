"""plania.ledger.batch.LedgerBatch: many movements written in bulk keep what the services
keep. The same movements through the batch and through the services give the same
running totals; the hash chains and totals pass `verify_integrity`'s checks, before and
after service movements on the same envelopes; every refusal of the services is a
refusal of the batch."""

from decimal import Decimal

import pytest
from django.db import transaction

from plania.ledger.batch import LedgerBatch
from plania.ledger.models import EnvelopeBalance, LedgerEntry
from plania.ledger.services import (
    LedgerError,
    ledger_commit,
    ledger_decommit,
    ledger_pay,
    ledger_repay,
)
from plania.ops.integrity import integrity_problems
from tests.factories import TEST_DAY, TEST_YEAR, EnvelopeFactory, allocate

pytestmark = pytest.mark.django_db

D = Decimal
COMMON = {"budget_year": TEST_YEAR, "on": TEST_DAY}


def tree() -> tuple:
    """A root with 10 000 € and a capped line below it with 4 000 €."""
    root = EnvelopeFactory()
    line = EnvelopeFactory(parent=root, cap=D("4000.00"))
    allocate(root, "10000.00")
    allocate(line, "4000.00")
    return root, line


def totals(*envelopes) -> list[tuple[int, int]]:
    rows = EnvelopeBalance.objects.in_bulk([e.pk for e in envelopes])
    return [(rows[e.pk].allocated_cents, rows[e.pk].committed_cents) for e in envelopes]


def movements_through_batch(root, line) -> None:
    with transaction.atomic():
        batch = LedgerBatch(actor_label="test batch")
        on_line = batch.commit(
            envelope_id=line.pk, amount=D("1500.00"), reference="C-1", reason="r", **COMMON
        )
        on_root = batch.commit(
            envelope_id=root.pk, amount=D("700.00"), reference="C-2", reason="r", **COMMON
        )
        batch.pay(commitment_id=on_line, amount=D("500.00"), reference="P-1", reason="r", **COMMON)
        batch.repay(
            commitment_id=on_line, amount=D("100.00"), reference="R-1", reason="r", **COMMON
        )
        batch.decommit(
            commitment_id=on_root, amount=D("200.00"), reference="D-1", reason="r", **COMMON
        )
        batch.close()


def test_same_totals_as_the_services_and_integrity_passes() -> None:
    root, line = tree()
    movements_through_batch(root, line)
    by_batch = totals(root, line)
    # 1 500 + 700 - 200 committed under the root, 1 500 on the line.
    assert by_batch == [(1_000_000, 200_000), (400_000, 150_000)]
    assert integrity_problems()[0] == []

    other_root, other_line = tree()
    on_line = ledger_commit(
        envelope=other_line,
        amount="1500.00",
        reference="C-1",
        reason="r",
        actor_label="t",
        **COMMON,
    )
    on_root = ledger_commit(
        envelope=other_root,
        amount="700.00",
        reference="C-2",
        reason="r",
        actor_label="t",
        **COMMON,
    )
    ledger_pay(
        commitment=on_line, amount="500.00", reference="P", reason="r", actor_label="t", **COMMON
    )
    ledger_repay(
        commitment=on_line, amount="100.00", reference="R", reason="r", actor_label="t", **COMMON
    )
    ledger_decommit(
        commitment=on_root, amount="200.00", reference="D", reason="r", actor_label="t", **COMMON
    )
    assert totals(other_root, other_line) == by_batch


def test_service_movements_continue_the_batch_chains() -> None:
    root, line = tree()
    movements_through_batch(root, line)
    commitment = ledger_commit(
        envelope=line, amount="100.00", reference="after", reason="r", actor_label="t", **COMMON
    )
    last_batch_id = LedgerEntry.objects.filter(reference="D-1").get().pk
    assert commitment.pk > last_batch_id
    movements_through_batch(root, line)
    assert integrity_problems()[0] == []
    assert totals(line) == [(400_000, 2 * 150_000 + 10_000)]


def test_over_commitment_is_refused_until_topped_up() -> None:
    root, line = tree()
    with transaction.atomic():
        batch = LedgerBatch(actor_label="test batch")
        batch.commit(envelope_id=line.pk, amount=D("4500.00"), reference="C", reason="r", **COMMON)
        assert batch.shortfalls() == {line.pk: D("500.00")}
        with pytest.raises(LedgerError, match="500,00"):
            batch.close()
        batch.allocate(
            envelope_id=line.pk, amount=D("500.00"), reference="TOP", reason="r", **COMMON
        )
        assert batch.shortfalls() == {}
        batch.close()
    assert totals(root, line) == [(1_000_000, 450_000), (450_000, 450_000)]
    assert integrity_problems()[0] == []


@pytest.mark.parametrize(
    "movement, message",
    [
        ("pay_too_much", "seuls 1"),
        ("repay_unpaid", "remboursement"),
        ("wrong_year", "exercice"),
        ("float", "flottant"),
        ("no_reason", "motif"),
    ],
)
def test_the_services_refusals(movement: str, message: str) -> None:
    annual = EnvelopeFactory(annual=True)
    allocate(annual, "5000.00")
    before = LedgerEntry.objects.count()
    with pytest.raises(LedgerError, match=message), transaction.atomic():
        batch = LedgerBatch(actor_label="test batch")
        commitment = batch.commit(
            envelope_id=annual.pk, amount=D("1000.00"), reference="C", reason="r", **COMMON
        )
        if movement == "pay_too_much":
            batch.pay(
                commitment_id=commitment, amount=D("1000.01"), reference="P", reason="r", **COMMON
            )
        elif movement == "repay_unpaid":
            batch.repay(
                commitment_id=commitment, amount=D("1.00"), reference="R", reason="r", **COMMON
            )
        elif movement == "wrong_year":
            batch.commit(
                envelope_id=annual.pk,
                amount=D("1.00"),
                reference="C2",
                reason="r",
                budget_year=TEST_YEAR + 1,
                on=TEST_DAY,
            )
        elif movement == "float":
            batch.commit(envelope_id=annual.pk, amount=1.5, reference="C2", reason="r", **COMMON)  # type: ignore[arg-type]
        else:
            batch.commit(
                envelope_id=annual.pk, amount=D("1.00"), reference="C2", reason=" ", **COMMON
            )
    assert LedgerEntry.objects.count() == before


def test_a_commitment_recorded_before_the_batch_is_checked_from_its_entries() -> None:
    root, line = tree()
    commitment = ledger_commit(
        envelope=line, amount="300.00", reference="C", reason="r", actor_label="t", **COMMON
    )
    ledger_pay(
        commitment=commitment, amount="200.00", reference="P", reason="r", actor_label="t", **COMMON
    )
    with pytest.raises(LedgerError, match="mandatement"), transaction.atomic():
        batch = LedgerBatch(actor_label="test batch")
        batch.pay(
            commitment_id=commitment.pk, amount=D("100.01"), reference="P2", reason="r", **COMMON
        )
    with transaction.atomic():
        batch = LedgerBatch(actor_label="test batch")
        batch.pay(
            commitment_id=commitment.pk, amount=D("100.00"), reference="P2", reason="r", **COMMON
        )
        batch.close()
    assert integrity_problems()[0] == []


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_it_refuses() -> None:
    with pytest.raises(LedgerError, match="atomic"):
        LedgerBatch(actor_label="test batch")
