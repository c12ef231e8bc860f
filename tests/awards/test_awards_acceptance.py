"""Issue 5 acceptance, end to end: a dossier from submission to the last repayment (a
request for missing items, two experts of whom one is conflicted, a committee session,
the agreement PDF, two payments, every repayment), with the ledger balances checked after
every step. The same journey runs on SQLite and, marked `postgres`, on PostgreSQL."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from pypdf import PdfReader

from plania.agreements import services as agreements_services
from plania.applications.services import application_answer_missing, application_submit
from plania.awards import services as awards_services
from plania.committee import services as committee_services
from plania.instruction.services import (
    application_start_review,
    conflict_declare,
    expert_invite,
    instruction_request_missing,
    opinion_submit,
    proposal_create,
    review_save,
)
from plania.ledger.selectors import balances_match_entries, commitment_sums, envelope_balances
from plania.payments import services as payments_services
from plania.plans.models import Envelope
from plania.repayments import selectors as repayments_selectors
from plania.repayments import services as repayments_services
from plania.repayments import statements as repayments_statements
from tests.applications.factories import applicant, draft
from tests.awards.dossiers import SCORES, funded_call, with_role
from tests.awards.flows import pdf_file
from tests.awards.test_awards_web import pdf_text

ZERO = Decimal("0.00")
ALLOCATED = Decimal("2000000.00")


def check_ledger(envelope: Envelope, *, committed, paid, repaid, award=None) -> None:
    balances = envelope_balances(envelope)
    assert (balances.committed, balances.paid, balances.repaid) == (
        Decimal(committed),
        Decimal(paid),
        Decimal(repaid),
    )
    assert balances.available == ALLOCATED - Decimal(committed)
    if award is not None:
        assert commitment_sums(award.commitment) == {
            "committed": Decimal(committed),
            "paid": Decimal(paid),
            "repaid": Decimal(repaid),
        }
    # The running totals the ledger checks commitments against agree with the entries.
    assert balances_match_entries() == []


def journey(staff) -> None:
    call = funded_call(ALLOCATED)
    envelope = call.envelope
    check_ledger(envelope, committed=0, paid=0, repaid=0)

    # Submission.
    user = applicant(first_name="Camille", last_name="Martin")
    app = application_submit(application=draft(call, user), actor=user).application
    assert app.state == "submitted"
    check_ledger(envelope, committed=0, paid=0, repaid=0)

    # A request for missing items, answered.
    instruction_request_missing(
        application=app, actor=staff.officer, message="Joignez l'accord avec le laboratoire."
    )
    app.refresh_from_db()
    assert app.state == "incomplete"
    application_answer_missing(application=app, actor=user, message="Accord joint.")
    app.refresh_from_db()
    assert app.state == "submitted"
    check_ledger(envelope, committed=0, paid=0, repaid=0)

    # Instruction with two experts, one of whom is conflicted.
    application_start_review(application=app, actor=staff.officer)
    experts = [with_role("expert", email=f"expert{i}@labo.example") for i in (1, 2)]
    invitations = [expert_invite(application=app, expert=e, actor=staff.officer) for e in experts]
    conflict_declare(invitation=invitations[0], actor=experts[0], conflicted=False)
    opinion_submit(
        invitation=invitations[0],
        actor=experts[0],
        scores=SCORES,
        text="Rupture réelle, équipe solide.",
        recommendation="favourable",
    )
    conflict_declare(
        invitation=invitations[1], actor=experts[1], conflicted=True, reason="Ancien associé."
    )
    with pytest.raises(Exception):  # noqa: B017 - the instruction room's refusal
        opinion_submit(
            invitation=invitations[1],
            actor=experts[1],
            scores=SCORES,
            text="—",
            recommendation="unfavourable",
        )
    review_save(
        application=app,
        actor=staff.officer,
        summary="Favorable.",
        recommendation="favourable",
        scores=SCORES,
    )
    proposal = proposal_create(application=app, actor=staff.officer)
    assert proposal.expert_count == 1  # the conflicted expert is not counted
    assert proposal.amount == Decimal("150000.00")
    check_ledger(envelope, committed=0, paid=0, repaid=0)

    # The committee session approves: award and commitment together.
    session = committee_services.session_create(
        held_on=date(2025, 6, 12),
        title="Commission permanente du 12 juin 2025",
        deliberation_prefix="CP/2025-06",
        actor=staff.committee,
    )
    committee_services.session_add_proposal(
        session=session, proposal=proposal, actor=staff.committee
    )
    (award,) = committee_services.session_approve_all(session=session, actor=staff.committee)
    committee_services.session_close(session=session, actor=staff.committee)
    app.refresh_from_db()
    assert app.state == "approved" and award.deliberation_reference == "CP/2025-06/1"
    check_ledger(envelope, committed="150000.00", paid=0, repaid=0, award=award)

    # The agreement PDF, then the signature.
    agreement = agreements_services.agreement_generate(award=award, actor=user)
    from plania.documents.storage import private_storage

    with private_storage().open(agreement.stored_name, "rb") as handle:
        body = handle.read()
    text = " ".join(pdf_text(body).split()).replace("\u00a0", " ")
    assert app.company.name in text and "150 000,00 €" in text and "100 000,00 €" in text
    assert len(PdfReader(io.BytesIO(body)).pages) >= 1
    agreements_services.agreement_accept(
        award=award, actor=user, signer_name="Camille Martin, présidente", sha256=agreement.sha256
    )
    award.refresh_from_db()
    assert award.state == "agreement_signed"
    check_ledger(envelope, committed="150000.00", paid=0, repaid=0, award=award)

    # Two payments: the advance on signature, the balance on the final report.
    on_signature, balance = award.schedule.all()
    for line, day, paid in (
        (on_signature, date(2025, 7, 1), "75000.00"),
        (balance, date(2025, 12, 1), "150000.00"),
    ):
        if line == balance:
            agreements_services.final_report_submit(
                award=award, actor=user, uploaded_file=pdf_file("rapport-final.pdf")
            )
        request = payments_services.payment_request_create(
            award=award, actor=user, amount=line.amount, line=line, files=[pdf_file(f"{day}.pdf")]
        )
        payments_services.payment_request_certify(request=request, actor=staff.officer)
        payments_services.payment_order(request=request, actor=staff.finance, ordered_on=day)
        award.refresh_from_db()
        check_ledger(envelope, committed="150000.00", paid=paid, repaid=0, award=award)
    assert award.state == "in_payment"
    payments_services.award_close(award=award, actor=staff.officer, closed_on=date(2026, 1, 15))
    award.refresh_from_db()
    assert award.state == "closed"
    check_ledger(envelope, committed="150000.00", paid="150000.00", repaid=0, award=award)

    # Every repayment: 20 quarterly instalments of 5,000 after 8 quarters of deferral.
    instalments = list(award.instalments.filter(superseded=False).order_by("due_on"))
    assert len(instalments) == 20 and sum(i.amount for i in instalments) == award.advance
    assert instalments[0].due_on == date(2027, 10, 1)
    repaid = ZERO
    for n, instalment in enumerate(instalments):
        if n % 2:
            repayments_services.repayment_record(
                award=award,
                actor=staff.finance,
                amount=instalment.amount,
                received_on=instalment.due_on,
                reference=instalment.reference,
            )
        else:
            content = (
                "date;amount;reference;label\n"
                f"{instalment.due_on.isoformat()};{instalment.amount};{instalment.reference};VIR\n"
            ).encode()
            result = repayments_statements.bank_statement_import(
                file_name=f"releve-{n}.csv", content=content, actor=staff.finance
            )
            assert [line.status for line in result.lines] == ["matched"]
        repaid += instalment.amount
        check_ledger(envelope, committed="150000.00", paid="150000.00", repaid=repaid, award=award)
        assert repayments_selectors.arrears(instalment.due_on + timedelta(days=1)) == []
    assert repaid == Decimal("100000.00")
    with pytest.raises(awards_services.AwardError):
        repayments_services.repayment_record(
            award=award, actor=staff.finance, amount="0.01", received_on=date(2033, 1, 1)
        )
    assert mail.outbox is not None


@pytest.mark.django_db
def test_from_submission_to_the_last_repayment(staff):
    journey(staff)


@pytest.mark.django_db(transaction=True)
def test_from_submission_to_the_last_repayment_on_postgresql(staff):
    journey(staff)
