"""Pages: the agreement PDF (text, attachment, who may get it), committee and finance
pages (404 for anyone else), the explanation as applied to the company."""

import io
from datetime import date

import pytest
from django.urls import reverse
from pypdf import PdfReader

from plania.agreements import services as agreements_services
from plania.awards.models import Award
from plania.committee import services as committee_services
from plania.companies.sirene import head_office_siret, sample_siren
from plania.payments import services as payments_services
from tests.awards.dossiers import funded_call, proposed, with_role
from tests.awards.flows import approved, signed
from tests.companies.factories import CompanyFactory, MembershipFactory
from tests.documents.dossiers import download
from tests.security.otp import otp_force_login

pytestmark = pytest.mark.django_db


def pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def test_agreement_pdf_names_the_company_and_the_amounts(client, staff):
    user, award = approved(staff)
    client.force_login(user)
    response, body = download(client, reverse("web:award_agreement_pdf", args=[award.reference]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    text = " ".join(pdf_text(body).split())
    assert award.company.name in text
    for amount in ("150 000,00 €", "50 000,00 €", "100 000,00 €"):
        assert amount in text.replace("\u00a0", " ")
    assert award.deliberation_reference in text
    assert "L311-3-1" in text  # the algorithmic-transparency mention
    # Kept as generated: the same bytes the second time.
    assert download(client, reverse("web:award_agreement_pdf", args=[award.reference]))[1] == body


def test_agreement_and_award_are_404_for_another_company_and_anonymous(client, staff):
    _user, award = approved(staff)
    stranger = with_role("applicant", email="autre@example.org")
    MembershipFactory(user=stranger, company=CompanyFactory())
    for url in (
        reverse("web:award", args=[award.reference]),
        reverse("web:award_agreement_pdf", args=[award.reference]),
        reverse("web:award_explanation", args=[award.application.reference]),
    ):
        client.force_login(stranger)
        assert client.get(url).status_code == 404
        client.logout()
        assert client.get(url).status_code in (302, 404)
    otp_force_login(client, staff.finance)
    assert client.get(reverse("web:award", args=[award.reference])).status_code == 200


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("web:committee_sessions", "committee"),
        ("web:arrears", "finance"),
        ("web:bank_statement", "finance"),
        ("web:payment_orders_csv", "finance"),
        ("web:direct_awards", "officer"),
    ],
)
def test_committee_and_finance_pages_are_404_for_others(client, staff, name, allowed):
    url = reverse(name)
    for role in ("committee", "finance", "officer"):
        otp_force_login(client, getattr(staff, role))
        status = client.get(url).status_code
        assert status == (200 if role == allowed else 404), (role, status)


def test_company_signs_in_app_and_the_dossier_follows(client, staff):
    user, award = approved(staff)
    client.force_login(user)
    page = client.get(reverse("web:award", args=[award.reference]))
    assert page.status_code == 200 and "Signer en ligne" in page.content.decode()
    response = client.post(
        reverse("web:award_action", args=[award.reference, "signer"]),
        {"signer_name": "Camille Martin, présidente", "accept": "1"},
    )
    assert response.status_code == 302
    award.refresh_from_db()
    assert award.state == "agreement_signed"
    assert award.application.state == "agreement_signed"
    assert award.agreement.signer_name == "Camille Martin, présidente"
    assert award.agreement.signed_by == user and award.agreement.signed_at is not None


def test_committee_session_page_and_approve_all(client, staff):
    call = funded_call("100000.00")
    _u, proposal = proposed(call, staff.officer)  # 150,000 > 100,000
    otp_force_login(client, staff.committee)
    client.post(
        reverse("web:committee_sessions"),
        {"held_on": "2025-06-12", "title": "CP juin", "deliberation_prefix": "CP/2025-06"},
    )
    from plania.committee.models import CommitteeSession

    session = CommitteeSession.objects.get()
    url = reverse("web:committee_session", args=[session.pk])
    assert proposal.application.reference in client.get(url).content.decode()
    client.post(
        reverse("web:committee_session_action", args=[session.pk, "inscrire"]),
        {"proposal": proposal.pk},
    )
    response = client.post(
        reverse("web:committee_session_action", args=[session.pk, "tout-approuver"]), follow=True
    )
    body = response.content.decode()
    assert "Rien n&#x27;a été accordé" in body and proposal.application.reference in body
    assert not Award.objects.exists()


def test_explanation_page_shows_data_parameters_and_decision(client, staff):
    user, award = signed(staff)
    client.force_login(user)
    body = client.get(
        reverse("web:award_explanation", args=[award.application.reference])
    ).content.decode()
    assert "Données traitées et leurs sources" in body
    assert "Répertoire Sirene" in body and "Plafond de l&#x27;aide par projet" in body
    assert award.deliberation_reference in body
    assert "L311-3-1" in body


def test_direct_award_follows_the_same_path(staff):
    call = funded_call()
    direct = committee_services.direct_propose(
        envelope=call.envelope,
        beneficiary_name="ANITI",
        beneficiary_siret=head_office_siret(sample_siren(7, seed=99)),
        purpose="Programme de recherche 2025",
        amount="20000",
        legal_basis="not_state_aid",
        actor=staff.officer,
    )
    session = committee_services.session_create(
        held_on=date(2025, 6, 12), title="CP", deliberation_prefix="CP/D", actor=staff.committee
    )
    item = committee_services.session_add_direct(
        session=session, direct=direct, actor=staff.officer
    )
    award = committee_services.decision_approve(item=item, actor=staff.committee)
    assert award.application is None and award.direct == direct and award.advance == 0
    assert not award.agreement_required
    agreements_services.agreement_waive(award=award, actor=staff.officer)
    request = payments_services.payment_request_create(
        award=award, actor=staff.officer, amount="20000"
    )
    payments_services.payment_request_certify(request=request, actor=staff.officer)
    payments_services.payment_order(
        request=request, actor=staff.finance, ordered_on=date(2025, 7, 1)
    )
    award.refresh_from_db()
    assert award.state == "in_payment"


def test_decision_from_the_session_page_then_pages_in_english(client, staff):
    call = funded_call()
    user, proposal = proposed(call, staff.officer)
    session = committee_services.session_create(
        held_on=date(2025, 6, 12), title="CP", deliberation_prefix="CP/W", actor=staff.committee
    )
    item = committee_services.session_add_proposal(
        session=session, proposal=proposal, actor=staff.committee
    )
    otp_force_login(client, staff.committee)
    client.post(
        reverse("web:committee_item_decide", args=[session.pk, item.pk]),
        {"decision": "approve", "grant": "40000", "advance": "100000"},
    )
    award = Award.objects.get()
    assert award.total == 140000 and award.item.proposed_total == 150000
    page = client.get(reverse("web:committee_session", args=[session.pk])).content.decode()
    assert "CP/W/1" in page
    client.logout()
    client.force_login(user)
    from django.utils import translation

    with translation.override("en"):
        url = reverse("web:award", args=[award.reference])
        explanation = reverse("web:award_explanation", args=[award.application.reference])
    assert url.startswith("/en/")
    assert client.get(url).status_code == 200
    body = client.get(explanation).content.decode()
    # The decision as applied, with the proposal it lowered (English once translated).
    assert "CP/W/1" in body and "150" in body


def test_the_committee_agenda_shows_the_recommendation_s_label(client, staff):
    """The officer's recommendation as people read it ("Avis favorable"), not its code."""
    _u, proposal = proposed(funded_call(), staff.officer)
    session = committee_services.session_create(
        held_on=date(2025, 6, 12),
        title="CP",
        deliberation_prefix="CP/2025-06",
        actor=staff.committee,
    )
    item = committee_services.session_add_proposal(
        session=session, proposal=proposal, actor=staff.committee
    )
    assert item.recommendation == "favourable"
    otp_force_login(client, staff.committee)
    body = client.get(reverse("web:committee_session", args=[session.pk])).content.decode()
    assert "<small>Avis favorable</small>" in body
    assert "<small>favourable</small>" not in body
    english = client.get("/en" + reverse("web:committee_session", args=[session.pk]))
    assert "<small>Favourable opinion</small>" in english.content.decode()


def test_award_pages_ask_for_a_verified_address_as_the_dossier_pages_do(client, staff):
    """A member of the company whose address is not verified gets the 403 with the
    re-send button, on the award pages as on the dossier's."""
    from tests.factories import UserFactory

    _user, award = approved(staff)
    member = UserFactory(email_verified_at=None)
    MembershipFactory(user=member, company=award.company)
    client.force_login(member)
    for url in (
        reverse("web:awards"),
        reverse("web:award", args=[award.reference]),
        reverse("web:award_agreement_pdf", args=[award.reference]),
        reverse("web:award_explanation", args=[award.application.reference]),
        reverse("web:application", args=[award.application.reference]),
    ):
        assert client.get(url).status_code == 403, url
