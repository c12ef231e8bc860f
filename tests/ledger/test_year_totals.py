"""The ledger's kept sums per envelope, kind and budget year (LedgerYearTotal): the
database trigger adds every entry, however written, and `verify_integrity` names a kept
sum that no longer matches the entries."""

from decimal import Decimal

import pytest
from django.db import connection, transaction

from plania.ledger.batch import LedgerBatch
from plania.ledger.enums import EntryKind
from plania.ledger.models import LedgerEntry, LedgerYearTotal
from plania.ledger.selectors import sums_by_envelope_year, year_totals_problems
from plania.ledger.services import ledger_commit
from plania.ops.integrity import integrity_problems
from tests.factories import TEST_DAY, TEST_YEAR, UserFactory, envelope_with_allocation

pytestmark = pytest.mark.django_db

D = Decimal


def _grouped_entries() -> dict[tuple[int, int, str], Decimal]:
    out: dict[tuple[int, int, str], Decimal] = {}
    for e in LedgerEntry.objects.all():
        key = (e.envelope_id, e.budget_year, e.kind)
        out[key] = out.get(key, D("0.00")) + e.amount
    return out


def test_each_entry_is_added_to_its_year_total_by_the_database() -> None:
    root = envelope_with_allocation("1000.00")
    actor = UserFactory()
    for amount, year in (("10.01", 2025), ("0.99", 2025), ("5.00", 2026)):
        ledger_commit(
            envelope=root,
            amount=amount,
            budget_year=year,
            on=TEST_DAY,
            reference="AID-1",
            reason="test",
            actor=actor,
        )
    assert sums_by_envelope_year([root.pk]) == {
        (root.pk, TEST_YEAR, EntryKind.ALLOCATION): D("1000.00"),
        (root.pk, 2025, EntryKind.COMMITMENT): D("11.00"),
        (root.pk, 2026, EntryKind.COMMITMENT): D("5.00"),
    }
    assert sums_by_envelope_year([root.pk]) == _grouped_entries()
    assert year_totals_problems() == []


def test_the_batch_writer_is_counted_too() -> None:
    """The demo and the benchmarks write through LedgerBatch (bulk inserts): the trigger
    sees those rows as well."""
    root = envelope_with_allocation("500.00")
    with transaction.atomic():
        batch = LedgerBatch(actor_label="test batch")
        batch.commit(
            envelope_id=root.pk,
            amount=D("123.45"),
            budget_year=2025,
            on=TEST_DAY,
            reference="AID-B",
            reason="batch",
        )
        batch.close()
    assert sums_by_envelope_year([root.pk])[(root.pk, 2025, EntryKind.COMMITMENT)] == D("123.45")
    assert year_totals_problems() == []


def test_a_kept_total_edited_in_the_database_is_named_by_the_integrity_check() -> None:
    root = envelope_with_allocation("1000.00", code="env-annee")
    assert year_totals_problems() == []
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {LedgerYearTotal._meta.db_table} SET amount = amount + 1 "
            "WHERE envelope_id = %s",
            [root.pk],
        )
    problems = year_totals_problems()
    assert problems == [
        f"env-annee allocation {TEST_YEAR}: 1000.00 in entries, 1001.00 in the kept yearly totals"
    ]
    assert any("ledger yearly totals: env-annee" in p for p in integrity_problems()[0])
