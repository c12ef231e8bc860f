"""Payments: request, certification (liquidation), order (mandatement) and the ledger;
the award's closing."""

from datetime import date
from decimal import Decimal

import pytest

from plania.agreements import services as agreements_services
from plania.awards.services import AwardError
from plania.ledger.enums import EntryKind
from plania.ledger.models import LedgerEntry
from plania.ledger.selectors import commitment_sums
from plania.ledger.services import ledger_pay
from plania.payments import exports as payments_exports
from plania.payments import services as payments_services
from plania.payments.enums import RequestState, ScheduleKind
from tests.awards.flows import in_repayment, pay, pdf_file, signed

pytestmark = pytest.mark.django_db


def test_payment_request_above_the_committed_remainder_is_refused(staff):
    user, award = signed(staff)  # 150,000 committed
    pay(staff, award, user, "100000", date(2025, 7, 1))
    with pytest.raises(AwardError) as exc:
        payments_services.payment_request_create(award=award, actor=user, amount="50000.01")
    assert "50" in exc.value.message and exc.value.code == "invalid"
    assert award.payment_requests.count() == 1


def test_the_ledger_refuses_an_order_above_the_commitment(staff):
    user, award = signed(staff)
    request = payments_services.payment_request_create(award=award, actor=user, amount="150000")
    payments_services.payment_request_certify(request=request, actor=staff.officer)
    # Something else is paid on the commitment meanwhile (a manual correction).
    ledger_pay(
        commitment=award.commitment,
        amount="1000",
        budget_year=2025,
        on=date(2025, 7, 1),
        reference="CORRECTION",
        reason="test",
        actor_label="test",
    )
    with pytest.raises(AwardError) as exc:
        payments_services.payment_order(
            request=request, actor=staff.finance, ordered_on=date(2025, 7, 2)
        )
    assert exc.value.code == "ledger" and "refusé" in exc.value.message
    request.refresh_from_db()
    assert request.state == RequestState.CERTIFIED
    assert not LedgerEntry.objects.filter(reference__endswith="-M1").exists()


def test_two_payments_split_grant_and_advance_and_start_the_schedule(staff):
    user, award = signed(staff)
    on_signature, balance = award.schedule.all()
    first = pay(staff, award, user, on_signature.amount, date(2025, 7, 1), line=on_signature)
    award.refresh_from_db()
    assert award.state == "in_payment"
    assert first.advance_part == Decimal("50000.00") and first.grant_part == Decimal("25000.00")
    assert award.instalments.count() == 20
    assert award.instalments.first().due_on == date(2027, 10, 1)
    # The balance is asked on the final report.
    with pytest.raises(AwardError):
        payments_services.payment_request_create(
            award=award, actor=user, amount="75000", line=balance
        )
    agreements_services.final_report_submit(
        award=award, actor=user, uploaded_file=pdf_file("rapport.pdf")
    )
    second = pay(staff, award, user, balance.amount, date(2025, 12, 1), line=balance)
    assert first.advance_part + second.advance_part == award.advance
    assert balance.kind == ScheduleKind.ON_FINAL_REPORT
    paid = LedgerEntry.objects.filter(commitment=award.commitment, kind=EntryKind.PAYMENT)
    assert sum(e.amount for e in paid) == Decimal("150000.00")
    csv = payments_exports.payment_orders_csv(award.payments.all())
    assert csv.splitlines()[0].startswith("numero_mandat;date_mandat")
    assert f"{award.reference}-M2;2025-12-01;2025" in csv


def test_only_finance_orders_and_only_officers_certify(staff):
    user, award = signed(staff)
    request = payments_services.payment_request_create(award=award, actor=user, amount="1000")
    with pytest.raises(AwardError):
        payments_services.payment_request_certify(request=request, actor=staff.finance)
    payments_services.payment_request_certify(request=request, actor=staff.officer)
    with pytest.raises(AwardError):
        payments_services.payment_order(request=request, actor=staff.officer)


def test_closing_releases_the_unspent_commitment(staff):
    user, award = in_repayment(staff, both=False)
    agreements_services.final_report_submit(
        award=award, actor=user, uploaded_file=pdf_file("fin.pdf")
    )
    payments_services.award_close(award=award, actor=staff.officer, closed_on=date(2026, 1, 15))
    award.refresh_from_db()
    assert award.state == "closed" and award.application.state == "closed"
    sums = commitment_sums(award.commitment)
    assert sums["committed"] == sums["paid"] == Decimal("75000.00")
    decommit = LedgerEntry.objects.get(commitment=award.commitment, kind=EntryKind.DECOMMITMENT)
    assert decommit.amount == Decimal("75000.00") and decommit.reference.endswith("-CLOTURE")
    # The advance paid (50,000) is what is to be repaid.
    assert sum(i.amount for i in award.instalments.filter(superseded=False)) == Decimal("50000.00")
