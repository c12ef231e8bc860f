"""Bad input on the committee and award pages: a French message on the page, nothing
written, never a 500 (plania.web.awards.forms)."""

import html
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from plania.committee import services as committee_services
from plania.committee.enums import Outcome
from plania.committee.models import AgendaItem, CommitteeSession, DirectProposal
from plania.payments import services as payments_services
from plania.payments.models import PaymentRequest
from plania.repayments.models import FailureFinding, Repayment
from plania.web.fields import MoneyField
from tests.awards.dossiers import funded_call, proposed
from tests.awards.flows import signed
from tests.security.otp import otp_force_login

pytestmark = pytest.mark.django_db

THIRTY_DIGITS = "1" * 30
TOO_LARGE = "Montant trop grand : au plus 999\u202f999\u202f999\u202f999,99\u00a0€."
BAD_DATE = "Date invalide : choisissez-la dans le calendrier ou écrivez JJ/MM/AAAA."


def shown(response) -> str:
    assert response.status_code < 500
    return html.unescape(response.content.decode())


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("12 500,50", Decimal("12500.50")),
        ("12\u202f500,50 €", Decimal("12500.50")),
        ("12500.5", Decimal("12500.50")),
        ("1.200,00", Decimal("1200.00")),
        ("999999999999.99", Decimal("999999999999.99")),
        ("", None),
        ("  ", None),
    ],
)
def test_money_field_reads_amounts_as_people_type_them(typed, value):
    assert MoneyField(required=False).clean(typed) == value


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (THIRTY_DIGITS, TOO_LARGE),
        ("1e30", "Montant illisible : écrivez-le en euros, par exemple 12 500,00."),
        ("1000000000000", TOO_LARGE),
        ("douze", "Montant illisible : écrivez-le en euros, par exemple 12 500,00."),
        ("NaN", "Montant illisible : écrivez-le en euros, par exemple 12 500,00."),
        ("-5", "Le montant ne peut pas être négatif."),
        ("12,345", "Au plus deux décimales : le montant se compte en centimes."),
    ],
)
def test_money_field_refuses_with_a_clear_message(typed, message):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        MoneyField().clean(typed)
    assert refused.value.messages == [message]


def test_session_with_a_malformed_date_is_not_created(client, staff):
    otp_force_login(client, staff.committee)
    response = client.post(
        reverse("web:committee_sessions"),
        {"held_on": "2025-02-30", "title": "CP", "deliberation_prefix": "CP/X"},
        follow=True,
    )
    assert f"Date de la séance : {BAD_DATE}" in shown(response)
    assert not CommitteeSession.objects.exists()


@pytest.fixture
def item(staff):
    call = funded_call()
    _user, proposal = proposed(call, staff.officer)
    session = committee_services.session_create(
        held_on=date(2025, 6, 12), title="CP", deliberation_prefix="CP/F", actor=staff.committee
    )
    return committee_services.session_add_proposal(
        session=session, proposal=proposal, actor=staff.committee
    )


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"decision": "approve", "grant": THIRTY_DIGITS}, f"Subvention accordée : {TOO_LARGE}"),
        ({"decision": "approve", "advance": "cent mille"}, "Avance accordée : Montant illisible"),
        ({"decision": "approve", "decided_on": "31/02/2025"}, f"Date de la décision : {BAD_DATE}"),
        ({"decision": "approve", "deliberation_reference": "x" * 61}, "Délibération : "),
        ({"decision": "exploser"}, "Décision : "),
        ({}, "Décision : "),
    ],
)
def test_decision_with_bad_input_decides_nothing(client, staff, item, posted, message):
    otp_force_login(client, staff.committee)
    response = client.post(
        reverse("web:committee_item_decide", args=[item.session_id, item.pk]), posted, follow=True
    )
    assert message in shown(response)
    item.refresh_from_db()
    assert item.outcome == Outcome.PENDING


@pytest.mark.parametrize("value", ["abc", "", "999999"])
def test_putting_an_unknown_proposal_on_the_agenda_is_refused(client, staff, item, value):
    otp_force_login(client, staff.committee)
    session = item.session
    for action, field in (("inscrire", "proposal"), ("inscrire-directe", "direct")):
        response = client.post(
            reverse("web:committee_session_action", args=[session.pk, action]),
            {field: value},
            follow=True,
        )
        body = shown(response)
        assert "Cette proposition n'existe pas." in body or "Ce champ est obligatoire." in body
    assert AgendaItem.objects.filter(session=session).count() == 1


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"amount": THIRTY_DIGITS}, "amount", TOO_LARGE),
        ({"amount": "20 000 euros et des poussières"}, "amount", "Montant illisible"),
        ({"envelope": "abc"}, "envelope", "Choisissez l'enveloppe."),
        ({"beneficiary_email": "pas-une-adresse"}, "beneficiary_email", "Adresse e-mail invalide."),
        ({"legal_basis": "bon_plaisir"}, "legal_basis", "Sélectionnez un choix valide."),
    ],
)
def test_direct_proposal_with_bad_input_shows_the_form_again(client, staff, change, field, message):
    call = funded_call()
    posted = {
        "envelope": str(call.envelope.pk),
        "beneficiary_name": "ANITI",
        "beneficiary_siret": "35600000000048",
        "beneficiary_email": "contact@example.org",
        "purpose": "Programme de recherche",
        "amount": "20 000",
        "legal_basis": "not_state_aid",
        "justification": "",
        **change,
    }
    otp_force_login(client, staff.officer)
    response = client.post(reverse("web:direct_awards"), posted)
    assert response.status_code == 422
    body = shown(response)
    assert message in body
    # What was typed is shown again, to be corrected.
    assert html.escape(posted["purpose"]) in response.content.decode()
    assert not DirectProposal.objects.exists()


@pytest.fixture
def in_payment(staff):
    """A signed award with one payment request waiting for certification."""
    _user, award = signed(staff)
    request = payments_services.payment_request_create(
        award=award, actor=staff.officer, amount="10000"
    )
    return award, request


def act(client, award, action, posted, files=None):
    url = reverse("web:award_action", args=[award.reference, action])
    return shown(client.post(url, {**posted, **(files or {})}, follow=True))


def test_award_actions_with_bad_input_change_nothing(client, staff, in_payment):
    award, request = in_payment
    otp_force_login(client, staff.officer)
    body = act(client, award, "certifier", {"request": request.pk, "amount": THIRTY_DIGITS})
    assert f"Montant certifié : {TOO_LARGE}" in body
    body = act(client, award, "certifier", {"request": "abc"})
    assert "Demande de versement introuvable." in body
    body = act(client, award, "refuser", {"request": "999999", "reason": "x"})
    assert "Demande de versement introuvable." in body
    body = act(client, award, "demander-versement", {"amount": "douze mille"})
    assert "Montant demandé : Montant illisible" in body
    body = act(client, award, "demander-versement", {"amount": "10", "line": "abc"})
    assert "Échéance : Cette échéance n'est pas celle de l'aide." in body
    body = act(client, award, "constat-echec", {"reason": "x", "found_on": "2025-13-01"})
    assert f"Date du constat : {BAD_DATE}" in body
    body = act(client, award, "rapport-final", {})
    assert "Choisissez le fichier du rapport final." in body
    request.refresh_from_db()
    assert request.state == "requested" and request.certified_amount is None
    assert PaymentRequest.objects.filter(award=award).count() == 1
    assert not FailureFinding.objects.exists()

    otp_force_login(client, staff.finance)
    body = act(client, award, "rembourser", {"amount": THIRTY_DIGITS, "received_on": "2025-08-01"})
    assert f"Montant : {TOO_LARGE}" in body
    body = act(client, award, "rembourser", {"amount": "100", "received_on": "hier"})
    assert f"Reçu le : {BAD_DATE}" in body
    body = act(client, award, "mandater", {"request": request.pk, "ordered_on": "01/07/25xx"})
    assert f"Date du mandat : {BAD_DATE}" in body
    assert not Repayment.objects.exists()


def test_a_typed_french_amount_is_certified(client, staff, in_payment):
    award, request = in_payment
    otp_force_login(client, staff.officer)
    act(client, award, "certifier", {"request": request.pk, "amount": "9\u202f500,50"})
    request.refresh_from_db()
    assert request.certified_amount == Decimal("9500.50")


def test_signed_agreement_upload_without_a_file(client, staff):
    from tests.awards.flows import approved

    user, award = approved(staff)
    client.force_login(user)
    body = act(client, award, "deposer-convention", {"signer_name": "x" * 201})
    assert "Choisissez le fichier PDF de la convention signée." in body
    assert "Signataire : " in body
    award.refresh_from_db()
    assert award.state == "approved"


def test_bank_statement_without_a_file(client, staff):
    otp_force_login(client, staff.finance)
    response = client.post(reverse("web:bank_statement"), {}, follow=True)
    assert "Choisissez le fichier CSV du relevé." in shown(response)
    response = client.post(
        reverse("web:bank_statement"),
        {"file": SimpleUploadedFile("vide.csv", b"", content_type="text/csv")},
    )
    assert response.status_code == 200
