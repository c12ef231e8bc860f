"""Issue 13, "every is_staff account sees every dossier": the probe's findings on staff
scope, tried as each staff member would, and the 500s of item 10. Each test fails on the
main branch before the access layer (plania/core/grants.py) and passes after.

Each person is denied (404/403) what they must not reach and still allowed what they
must: steering, finance, an expert who declared a conflict, an officer with no scheme, a
committee member who declared a conflict on an item.
"""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from plania.applications.enums import ApplicationState
from plania.applications.models import Application
from plania.awards.services import AwardError
from plania.committee import services as committee_services
from plania.messaging.models import Message
from plania.messaging.services import message_post
from tests.applications.factories import DURING
from tests.awards.dossiers import Clock, proposed
from tests.documents.dossiers import ApplicationFactory
from tests.security.otp import otp_force_login
from tests.security.staff_world import build_staff_world


@pytest.fixture
def staff(world, monkeypatch):
    monkeypatch.setattr(timezone, "now", Clock(DURING))
    return build_staff_world(world)


def signed_in(user) -> Client:
    client = Client()
    otp_force_login(client, user)
    return client


def files_page(dossier) -> str:
    return reverse("web:attachments", kwargs={"reference": dossier.reference})


def file_url(attachment) -> str:
    return reverse(
        "web:attachment_download",
        kwargs={"reference": attachment.application.reference, "public_id": attachment.public_id},
    )


def thread_url(dossier) -> str:
    return reverse("web:message_thread", kwargs={"reference": dossier.reference})


def submitted_of(world) -> Application:
    return ApplicationFactory(submitted=True, company=world.a.company, reference="SEC-S")


# -- Steering: aggregates and published awards, never a dossier's files or messages -------


def test_steering_reaches_no_dossier_s_files_or_messages(staff):
    world = staff.world
    client = signed_in(staff.steering)
    draft = world.a.dossier
    assert client.get(files_page(draft)).status_code == 404
    assert client.get(file_url(world.a.document)).status_code == 404
    assert client.post(thread_url(draft), {"body": "Bonjour"}).status_code == 404
    assert client.get(f"/api/v1/documents/{draft.reference}").status_code == 404
    assert client.post(f"/api/v1/messages/{draft.reference}", {"body": "x"}).status_code == 404
    # Nor the files of a dossier in payment.
    assert client.get(files_page(staff.dossier)).status_code == 404
    assert Message.objects.count() == 0
    # Still allowed: the aggregates and the published awards.
    assert client.get(reverse("web:steering")).status_code == 200
    assert (
        client.get(reverse("web:award", kwargs={"reference": staff.award.reference})).status_code
        == 200
    )


# -- Finance: the awards in payment, not a draft ------------------------------------------


def test_finance_reaches_the_dossier_in_payment_but_no_draft(staff):
    world = staff.world
    client = signed_in(staff.finance)
    assert client.get(files_page(world.a.dossier)).status_code == 404
    assert client.get(file_url(world.a.document)).status_code == 404
    assert client.post(thread_url(world.a.dossier), {"body": "Bonjour"}).status_code == 404
    assert Message.objects.count() == 0
    # Still allowed: the dossier whose award is in payment, the payments to order.
    assert client.get(files_page(staff.dossier)).status_code == 200
    assert client.get(reverse("web:payment_requests_to_order")).status_code == 200


# -- An expert who declared a conflict --------------------------------------------------


def test_a_conflicted_expert_reads_no_file_and_posts_no_message_through_the_api(staff):
    dossier = staff.dossier
    client = signed_in(staff.conflicted_expert)
    assert client.get(f"/api/v1/documents/{dossier.reference}").status_code == 404
    assert client.get(f"/api/v1/messages/{dossier.reference}").status_code == 404
    response = client.post(f"/api/v1/messages/{dossier.reference}", {"body": "Mon avis"})
    assert response.status_code == 404
    assert client.get(files_page(dossier)).status_code == 404
    assert not Message.objects.filter(author=staff.conflicted_expert).exists()
    # The expert without a conflict still reads them; the conflicted one sees their list.
    other = signed_in(staff.expert)
    assert other.get(f"/api/v1/documents/{dossier.reference}").status_code == 200
    assert client.get(reverse("web:instruction_expertises")).status_code == 200


# -- An officer with no scheme ------------------------------------------------------------


def test_an_unassigned_officer_cannot_make_a_dossier_incomplete_through_the_messages(staff):
    dossier = submitted_of(staff.world)
    client = signed_in(staff.unassigned)
    response = client.post(
        thread_url(dossier), {"action": "request_missing", "body": "Merci de joindre le Kbis."}
    )
    assert response.status_code == 404
    response = client.post(
        f"/api/v1/messages/{dossier.reference}",
        {"kind": "request_missing", "body": "Kbis"},
    )
    assert response.status_code == 404
    dossier.refresh_from_db()
    assert dossier.state == ApplicationState.SUBMITTED
    assert Message.objects.count() == 0
    # Still allowed: their (empty) overview. The assigned officer may.
    assert client.get(reverse("web:instruction")).status_code == 200
    officer = signed_in(staff.officer)
    response = officer.post(
        thread_url(dossier), {"action": "request_missing", "body": "Merci de joindre le Kbis."}
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == ApplicationState.INCOMPLETE


# -- A committee member who declared a conflict on an item --------------------------------


def test_a_conflicted_member_is_left_out_of_the_item_s_decision(staff):
    from tests.awards.dossiers import People, funded_call

    people = People(officer=staff.officer, committee=staff.committee, finance=staff.finance)
    _user, proposal = proposed(funded_call(), people.officer)
    session = committee_services.session_create(
        held_on=date(2025, 9, 1),
        title="CP",
        deliberation_prefix="CP/2025-09",
        actor=staff.committee,
    )
    item = committee_services.session_add_proposal(
        session=session, proposal=proposal, actor=staff.committee
    )
    member = staff.conflicted_member
    client = signed_in(member)
    page = reverse("web:committee_session", kwargs={"pk": session.pk})
    assert "Déclarer un conflit d'intérêts sur ce point" in client.get(page).content.decode()
    # The button on the member's session page.
    response = client.post(
        reverse("web:committee_item_conflict", kwargs={"pk": session.pk, "item": item.pk}),
        {"reason": "Je suis associé de l'entreprise."},
    )
    assert response.status_code == 302
    html = client.get(page).content.decode()
    assert "vous ne prenez pas part à sa décision" in html
    # Refused the decision, on the page and in the service.
    response = client.post(
        reverse("web:committee_item_decide", kwargs={"pk": session.pk, "item": item.pk}),
        {"decision": "approve"},
    )
    item.refresh_from_db()
    assert item.outcome == "pending"
    with pytest.raises(AwardError) as refused:
        committee_services.decision_approve(item=item, actor=member)
    assert refused.value.code == "forbidden"
    with pytest.raises(AwardError):
        committee_services.session_approve_all(session=session, actor=member)
    # Nor the item's dossier.
    assert client.get(files_page(proposal.application)).status_code == 404
    # Another member decides; the deliberation records who was left out.
    committee_services.decision_approve(item=item, actor=staff.committee)
    item.refresh_from_db()
    assert item.outcome == "approved"
    assert member.email in item.abstentions or member.get_full_name() in item.abstentions
    # Still allowed: the session page.
    assert client.get(page).status_code == 200


# -- Applicants see the role, not staff e-mail addresses --------------------------------


def test_the_applicant_sees_l_instructeur_rice_not_the_staff_e_mail(staff):
    dossier = submitted_of(staff.world)
    officer = signed_in(staff.officer)
    officer.post(thread_url(dossier), {"action": "request_missing", "body": "Le Kbis, svp."})
    message_post(application=dossier, actor=staff.officer, body="Merci.")
    applicant = staff.world.client_for("applicant")
    pages = [
        applicant.get(thread_url(dossier)).content.decode(),
        applicant.get(
            reverse("web:application", kwargs={"reference": dossier.reference})
        ).content.decode(),
        applicant.get(f"/api/v1/messages/{dossier.reference}").content.decode(),
        applicant.get(f"/api/v1/applications/{dossier.reference}/history").content.decode(),
    ]
    for page in pages:
        assert staff.officer.email not in page
    assert "l&#x27;instructeur·rice" in pages[0] or "l'instructeur·rice" in pages[0]
    assert "instructeur·rice" in pages[1]
    # Staff still see who wrote.
    assert staff.officer.email in officer.get(thread_url(dossier)).content.decode() or (
        staff.officer.get_full_name() in officer.get(thread_url(dossier)).content.decode()
    )


# -- Item 10: the three 500s --------------------------------------------------------------


def test_the_explanation_of_a_draft_is_no_500(staff):
    client = staff.world.client_for("applicant")
    url = reverse("web:award_explanation", kwargs={"reference": staff.world.a.dossier.reference})
    assert client.get(url).status_code in (200, 404)


def test_a_missing_agreement_file_is_a_404_not_a_500(staff):
    from plania.agreements.models import Agreement
    from plania.documents.storage import private_storage

    agreement = Agreement.objects.get(award=staff.award)
    private_storage().delete(agreement.stored_name)
    client = Client(raise_request_exception=False)
    client.force_login(staff.beneficiary)
    url = reverse("web:award_agreement_pdf", kwargs={"reference": staff.award.reference})
    assert client.get(url).status_code == 404


def test_an_envelope_that_is_not_a_number_is_a_clear_message(staff):
    client = signed_in(staff.officer)
    client.raise_request_exception = False
    response = client.post(
        reverse("web:direct_awards"),
        {"envelope": "abc", "beneficiary_name": "X", "purpose": "Y", "amount": "10"},
    )
    # The form's message, not a 500 (the direct-award page's Django form, issue 13 item 10).
    assert response.status_code == 422
