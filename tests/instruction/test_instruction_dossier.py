"""The officer's dossier page and API: company (unverified flag), the rules core's
eligibility and award (grant/advance split, GGE, legal basis, de minimis headroom),
documents, history, messages; requesting missing items."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from plania.applications.enums import ApplicationState
from plania.applications.models import ApplicationEvent
from tests.companies.factories import CompanyFactory
from tests.instruction.helpers import api, applicant_of, filed, login

pytestmark = pytest.mark.django_db


def page(reference):
    return reverse("web:instruction_dossier", kwargs={"reference": reference})


def test_the_dossier_page_shows_the_company_eligibility_and_award(client, dossier, officer_x):
    login(client, officer_x)
    response = client.get(page(dossier.reference))
    assert response.status_code == 200
    html = response.content.decode()
    assert dossier.company.name in html
    assert "entreprise non vérifiée" not in html
    # The frozen eligibility with its explanation, per criterion.
    assert 'data-criterion="company_age"' in html
    assert "Éligible selon les règles du dispositif" in html
    # The rules core's award: 200,000 capped, 50,000 grant, 150,000 advance, GBER art. 22.
    award = response.context["award"]
    assert award.computed and award.fundable
    assert award.aid_eur == Decimal("200000")
    assert (award.grant_eur, award.advance_eur) == (Decimal("50000"), Decimal("150000"))
    assert award.advance_gge_eur > 0
    assert award.legal_basis == "gber_art22"
    assert "RGEC (UE) 651/2014, art. 22" in html
    assert response.context["de_minimis"].headroom_before == Decimal("300000.00")
    # Parameters carry their status ("to be set by the Region").
    assert "à fixer par la Région" in html
    # History, and the scoring grid marked as an example.
    assert "Dépôt du dossier" in html
    assert "valeur d&#x27;exemple" in html or "valeur d'exemple" in html


def test_an_unverified_company_is_flagged(client, call, officer_x):
    app = filed(call=call, company=CompanyFactory(manual=True))
    login(client, officer_x)
    html = client.get(page(app.reference)).content.decode()
    assert "entreprise non vérifiée" in html
    data = api(client, "get", f"/api/v1/instruction/dossiers/{app.reference}").json()
    assert data["company"]["verified"] is False


def test_a_company_over_the_de_minimis_ceiling_is_not_fundable(client, call, officer_x):
    # A company aged 6: de minimis basis; 250,000 already received in the window.
    company = CompanyFactory(creation_date=date(2019, 1, 10))
    app = filed(call=call, company=company, inputs={"prior_de_minimis_eur": "250000"})
    login(client, officer_x)
    award = client.get(page(app.reference)).context["award"]
    assert award.legal_basis == "de_minimis"
    assert award.de_minimis_status == "exceeds"
    assert not award.fundable


def test_the_api_gives_the_same_dossier(client, dossier, officer_x):
    data = api(client, "get", f"/api/v1/instruction/dossiers/{dossier.reference}", officer_x).json()
    assert data["company"]["siren"] == dossier.company.siren
    assert data["company"]["sector"] == "J"  # NAF 62.01Z
    assert data["eligibility"]["overall"] == "yes"
    assert data["award"]["aid"] == "200000"
    assert (data["award"]["grant"], data["award"]["advance"]) == ("50000", "150000")
    assert data["award"]["legal_basis"] == "gber_art22"
    assert [e["transition"] for e in data["history"]] == ["submit"]
    assert data["review"] is None and data["proposal"] is None


def test_request_missing_items_from_the_page(
    client, dossier, officer_x, django_capture_on_commit_callbacks
):
    member = applicant_of(dossier, email="dirigeante@garonne.example")
    login(client, officer_x)
    url = reverse("web:instruction_request_missing", kwargs={"reference": dossier.reference})
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url, {"message": "Merci de joindre le Kbis."})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == ApplicationState.INCOMPLETE
    event = ApplicationEvent.objects.filter(application=dossier).latest("at")
    assert (event.transition, event.actor, event.reason) == (
        "request_missing",
        officer_x,
        "Merci de joindre le Kbis.",
    )
    # The applicant is mailed after commit, by the applications room.
    assert len(callbacks) >= 1
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert "Kbis" in mail.outbox[0].body


def test_request_missing_items_needs_a_message_and_a_submitted_dossier(client, dossier, officer_x):
    login(client, officer_x)
    url = reverse("web:instruction_request_missing", kwargs={"reference": dossier.reference})
    response = client.post(url, {"message": "  "})
    assert response.status_code == 422
    assert response.context["missing_form"].errors["message"]
    dossier.refresh_from_db()
    assert dossier.state == ApplicationState.SUBMITTED
    # Through the API: structured errors.
    api_url = f"/api/v1/instruction/dossiers/{dossier.reference}/request-missing"
    response = api(client, "post", api_url, json={"message": ""})
    assert response.status_code == 422
    assert set(response.json()) == {"detail", "code", "errors"}
    assert response.json()["errors"]["message"]
    response = api(client, "post", api_url, json={"message": "Le Kbis, svp."})
    assert response.status_code == 200
    assert response.json()["state"] == "incomplete"
    # Not twice: the dossier is incomplete now.
    response = api(client, "post", api_url, json={"message": "Encore ?"})
    assert response.status_code == 409
    assert "Incomplet" in response.json()["detail"]


def test_start_review_and_assign_to_me(client, dossier, officer_x):
    login(client, officer_x)
    client.post(reverse("web:instruction_start_review", kwargs={"reference": dossier.reference}))
    dossier.refresh_from_db()
    assert dossier.state == ApplicationState.UNDER_REVIEW
    assert dossier.assignment.officer == officer_x
    assert ApplicationEvent.objects.filter(
        application=dossier, transition="start_review", actor=officer_x
    ).exists()
    # A second start is refused with the workflow's reason.
    response = api(client, "post", f"/api/v1/instruction/dossiers/{dossier.reference}/start-review")
    assert response.status_code == 409


def test_the_messaging_link_is_shown_to_those_the_messaging_room_lets_in(client, dossier):
    from tests.instruction.helpers import STARTUP, officer

    staff_officer = officer(STARTUP, is_staff=True)
    login(client, staff_officer)
    html = client.get(page(dossier.reference)).content.decode()
    assert reverse("web:message_thread", kwargs={"reference": dossier.reference}) in html


def test_documents_are_listed_and_downloadable_by_the_officer(
    client, dossier, officer_x, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from plania.documents.services import attachment_add

    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    member = applicant_of(dossier)
    dossier.state = ApplicationState.INCOMPLETE  # applicants add documents while editable
    dossier.save()
    pdf = SimpleUploadedFile("kbis.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    attachment = attachment_add(application=dossier, actor=member, uploaded_file=pdf, kind="other")
    login(client, officer_x)
    html = client.get(page(dossier.reference)).content.decode()
    assert "kbis.pdf" in html
    url = reverse(
        "web:instruction_attachment",
        kwargs={"reference": dossier.reference, "public_id": attachment.public_id},
    )
    response = client.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    response.close()
    assert body.startswith(b"%PDF")


def test_the_page_is_available_in_english(client, dossier, officer_x):
    login(client, officer_x)
    response = client.get("/en" + page(dossier.reference))
    assert response.status_code == 200
