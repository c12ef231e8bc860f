"""Repayable advances: schedule, repayments one by one and from bank statements, arrears,
failure finding and its ledger entries (closing: tests/payments)."""

from datetime import date
from decimal import Decimal

import pytest

from plania.awards.services import AwardError
from plania.ledger.enums import EntryKind
from plania.ledger.models import LedgerEntry
from plania.ledger.selectors import commitment_sums, envelope_balances
from plania.payments import services as payments_services
from plania.repayments import selectors as repayments_selectors
from plania.repayments import services as repayments_services
from plania.repayments import statements as repayments_statements
from plania.repayments.enums import LineStatus
from plania.repayments.models import BankStatementLine, Repayment
from tests.awards.flows import in_repayment, pay, signed

pytestmark = pytest.mark.django_db


def statement(*rows: tuple[str, str, str, str]) -> bytes:
    lines = ["date;amount;reference;label", *(";".join(r) for r in rows)]
    return ("\n".join(lines) + "\n").encode()


def test_bank_statement_imported_twice_records_each_repayment_once(staff):
    _user, award = in_repayment(staff)
    e1, e2 = award.instalments.all()[:2]
    content = statement(
        ("2027-10-01", "5000,00", e1.reference, "VIR GARONNE ANALYTICS"),
        ("02/01/2028", "5 000,00", "", f"Remboursement avance {award.reference}"),
        ("2028-01-05", "120,00", "FACT-77", "Autre recette"),
    )
    first = repayments_statements.bank_statement_import(
        file_name="releve.csv", content=content, actor=staff.finance
    )
    assert [line.status for line in first.lines] == ["matched", "matched", "unmatched"]
    assert [line.line_number for line in first.unmatched] == [4]
    second = repayments_statements.bank_statement_import(
        file_name="releve.csv", content=content, actor=staff.finance
    )
    assert [line.status for line in second.lines] == ["duplicate", "duplicate", "unmatched"]
    assert Repayment.objects.filter(award=award).count() == 2
    repaid = LedgerEntry.objects.filter(commitment=award.commitment, kind=EntryKind.REPAYMENT)
    assert sum(e.amount for e in repaid) == Decimal("10000.00")
    assert BankStatementLine.objects.filter(status=LineStatus.MATCHED).count() == 2
    assert Repayment.objects.get(reference=e1.reference).instalment == e1
    del e2


def test_two_identical_lines_of_one_statement_are_two_repayments(staff):
    _user, award = in_repayment(staff)
    row = ("2027-10-01", "2500", award.reference, "VIR")
    result = repayments_statements.bank_statement_import(
        file_name="r.csv", content=statement(row, row), actor=staff.finance
    )
    assert [line.status for line in result.lines] == ["matched", "matched"]
    again = repayments_statements.bank_statement_import(
        file_name="r.csv", content=statement(row, row), actor=staff.finance
    )
    assert [line.status for line in again.lines] == ["duplicate", "duplicate"]


def test_arrears_list_days_late_and_amounts(staff):
    _user, award = in_repayment(staff)
    repayments_services.repayment_record(
        award=award, actor=staff.finance, amount="3000", received_on=date(2027, 10, 2)
    )
    late = repayments_selectors.arrears(date(2028, 1, 11))
    (arrear,) = late
    assert arrear.award == award
    # 1 Oct 2027: 5,000 due, 3,000 paid; 1 Jan 2028: 5,000 due, nothing paid.
    assert [(i.unpaid, i.days_late) for i in arrear.instalments] == [
        (Decimal("2000.00"), 102),
        (Decimal("5000.00"), 10),
    ]
    assert arrear.amount == Decimal("7000.00") and arrear.days_late == 102


def test_repayment_above_the_advance_paid_is_refused(staff):
    _user, award = in_repayment(staff, both=False)  # 50,000 of the advance paid
    with pytest.raises(AwardError):
        repayments_services.repayment_record(
            award=award, actor=staff.finance, amount="50000.01", received_on=date(2027, 10, 1)
        )


def test_failure_finding_amounts_and_ledger_entries(staff):
    # Half paid (75,000 of which 50,000 advance), 10,000 repaid, then the project fails.
    _user, award = in_repayment(staff, both=False)
    envelope = award.envelope
    repayments_services.repayment_record(
        award=award, actor=staff.finance, amount="10000", received_on=date(2027, 10, 1)
    )
    before = envelope_balances(envelope)
    finding = repayments_services.failure_find(
        award=award, actor=staff.finance, reason="Arrêt du projet", found_on=date(2028, 3, 1)
    )
    # Remaining 40,000 of the advance paid; the scheme forgives 50 % of it.
    assert finding.advance_paid == Decimal("50000.00")
    assert finding.remaining_before == Decimal("40000.00")
    assert finding.forgiven == Decimal("20000.00") and finding.still_due == Decimal("20000.00")
    # Ledger: the 75,000 never paid are released; nothing for the forgiven part.
    assert finding.decommitment.kind == EntryKind.DECOMMITMENT
    assert finding.decommitment.amount == Decimal("75000.00")
    sums = commitment_sums(award.commitment)
    assert sums == {
        "committed": Decimal("75000.00"),
        "paid": Decimal("75000.00"),
        "repaid": Decimal("10000.00"),
    }
    after = envelope_balances(envelope)
    assert after.committed == before.committed - Decimal("75000.00")
    assert after.available == before.available + Decimal("75000.00")
    # What remains due is re-scheduled: 10,000 repaid + 20,000 still due.
    open_lines = award.instalments.filter(superseded=False)
    assert sum(i.amount for i in open_lines) == Decimal("30000.00")
    views = repayments_selectors.schedule_view(award, date(2028, 3, 2))
    assert sum(v.unpaid for v in views) == Decimal("20000.00")
    with pytest.raises(AwardError):
        payments_services.payment_request_create(award=award, actor=_user, amount="1000")


def test_arrears_cost_the_same_queries_for_one_or_three_awards(staff, django_assert_num_queries):
    in_repayment(staff)
    on = date(2028, 1, 11)
    with django_assert_num_queries(3):
        assert len(repayments_selectors.arrears(on)) == 1
    for prefix in ("CP/2025-07", "CP/2025-08"):
        user, award = signed(staff, prefix=prefix)
        on_signature = award.schedule.first()
        pay(staff, award, user, on_signature.amount, date(2025, 7, 1), line=on_signature)
    with django_assert_num_queries(3):
        assert len(repayments_selectors.arrears(on)) == 3
