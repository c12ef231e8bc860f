"""An award taken through its steps with the services, for the payment, repayment and
end-to-end tests."""

from datetime import date
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from plania.agreements import services as agreements_services
from plania.committee import services as committee_services
from plania.payments import services as payments_services
from tests.awards.dossiers import funded_call, proposed

HELD = date(2025, 6, 12)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_file(name: str = "piece.pdf", body: bytes = b"") -> SimpleUploadedFile:
    # A minimal PDF the documents room's inspection accepts (header and trailer).
    return SimpleUploadedFile(name, PDF + body, content_type="application/pdf")


def approved(
    staff: Any,
    *,
    amount: Any = None,
    call: Any = None,
    prefix: str = "CP/2025-06",
    held_on: date = HELD,
):
    """(applicant, award) approved by a committee session on `held_on` (12 June 2025)."""
    call = call or funded_call()
    user, proposal = proposed(call, staff.officer, amount=amount)
    session = committee_services.session_create(
        held_on=held_on, title="CP", deliberation_prefix=prefix, actor=staff.committee
    )
    item = committee_services.session_add_proposal(
        session=session, proposal=proposal, actor=staff.committee
    )
    return user, committee_services.decision_approve(item=item, actor=staff.committee)


def signed(staff: Any, **kwargs: Any):
    user, award = approved(staff, **kwargs)
    agreements_services.agreement_accept(
        award=award, actor=user, signer_name="Camille Martin, présidente"
    )
    award.refresh_from_db()
    return user, award


def pay(staff: Any, award: Any, user: Any, amount: Any, on: date, *, line: Any = None) -> Any:
    request = payments_services.payment_request_create(
        award=award,
        actor=user,
        amount=amount,
        line=line,
        files=[pdf_file(f"f-{on}.pdf", str(on).encode())],
    )
    payments_services.payment_request_certify(request=request, actor=staff.officer)
    return payments_services.payment_order(request=request, actor=staff.finance, ordered_on=on)


def in_repayment(staff, *, both: bool = True):
    """An award of 150,000 (50,000 grant, 100,000 advance) paid in full (or half)."""
    user, award = signed(staff)
    on_signature, balance = award.schedule.all()
    pay(staff, award, user, on_signature.amount, date(2025, 7, 1), line=on_signature)
    if both:
        agreements_services.final_report_submit(
            award=award, actor=user, uploaded_file=pdf_file("r.pdf")
        )
        pay(staff, award, user, balance.amount, date(2025, 12, 1), line=balance)
    award.refresh_from_db()
    return user, award
