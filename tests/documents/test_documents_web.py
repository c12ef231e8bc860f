"""The documents page, the download, and the API: headers, refusals, and 404 for
anyone outside the dossier's company (staff excepted)."""

import pytest
from django.urls import reverse

from plania.documents.models import Attachment
from plania.documents.services import attachment_add
from tests.documents.dossiers import (
    ApplicationFactory,
    download,
    member_of,
    scheme_officer,
    stored_files,
    verified_user,
)
from tests.documents.files import EXE_BYTES, PDF_BYTES, upload

pytestmark = pytest.mark.django_db


def page_url(dossier):
    return reverse("web:attachments", kwargs={"reference": dossier.reference})


def download_url(attachment):
    return reverse(
        "web:attachment_download",
        kwargs={"reference": attachment.application.reference, "public_id": attachment.public_id},
    )


def delete_url(attachment):
    return reverse(
        "web:attachment_delete",
        kwargs={"reference": attachment.application.reference, "public_id": attachment.public_id},
    )


def api_url(dossier, attachment=None):
    base = f"/api/v1/documents/{dossier.reference}"
    return f"{base}/{attachment.public_id}" if attachment else base


@pytest.fixture
def document(dossier, member):
    return attachment_add(
        application=dossier,
        actor=member,
        uploaded_file=upload("Plan d’affaires été 2025.pdf", PDF_BYTES),
        kind="business_plan",
    )


@pytest.fixture
def foreign_member(db):
    """A verified member of another company, with a dossier of their own."""
    return member_of(ApplicationFactory().company)


# -- the page --------------------------------------------------------------------------


def test_a_member_uploads_a_pdf_from_the_page(client, dossier, member):
    client.force_login(member)
    response = client.post(
        page_url(dossier), {"kind": "kbis", "file": upload("kbis.pdf", PDF_BYTES)}
    )
    assert response.status_code == 302
    (attachment,) = Attachment.objects.all()
    assert (attachment.kind, attachment.original_name) == ("kbis", "kbis.pdf")
    page = client.get(page_url(dossier))
    assert "kbis.pdf" in page.content.decode()
    assert download_url(attachment) in page.content.decode()


def test_the_page_says_why_an_exe_named_pdf_is_refused(client, dossier, member, _private):
    client.force_login(member)
    response = client.post(
        page_url(dossier), {"kind": "other", "file": upload("plan.pdf", EXE_BYTES)}
    )
    assert response.status_code == 422
    assert (
        "Le fichier « plan.pdf » n&#x27;est pas un PDF : son contenu est celui d&#x27;un "
        "programme (exécutable)." in response.content.decode()
    )
    assert stored_files(_private) == []


def test_a_file_over_the_limit_is_dropped_while_read_and_the_page_says_so(
    client, dossier, member, settings, _private
):
    settings.PLANIA_UPLOAD_MAX_BYTES = 1024
    client.force_login(member)
    big = PDF_BYTES + b"%" * 100_000
    response = client.post(page_url(dossier), {"kind": "other", "file": upload("gros.pdf", big)})
    assert response.status_code == 422
    text = response.content.decode()
    assert "Le fichier « gros.pdf » pèse" in text and "la limite est de 1,0\xa0Kio" in text
    assert Attachment.objects.count() == 0
    assert stored_files(_private) == []


def test_a_member_deletes_a_draft_document(client, document, member, _private):
    client.force_login(member)
    response = client.post(delete_url(document))
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.deleted_by == member


# -- the download ------------------------------------------------------------------------


def test_the_download_is_an_attachment_nosniff_private_with_the_detected_type(
    client, document, member
):
    client.force_login(member)
    response, body = download(client, download_url(document))
    assert response.status_code == 200
    assert body == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="Plan daffaires ete 2025.pdf"; '
        "filename*=UTF-8''Plan%20d%E2%80%99affaires%20%C3%A9t%C3%A9%202025.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Length"] == str(len(PDF_BYTES))


def test_the_scheme_s_officer_sees_a_filed_dossier_s_documents(client, dossier, document):
    staff = scheme_officer()
    type(dossier).objects.filter(pk=dossier.pk).update(
        state="submitted",
        submitted_at=dossier.created_at,
        receipt_number="AR-1",
        rules_sha256="0" * 64,
        scheme_code="startup-industrie-demain",
        scheme_version="2025",
    )
    client.force_login(staff)
    assert client.get(page_url(dossier)).status_code == 200
    assert download(client, download_url(document))[0].status_code == 200
    response = client.get(api_url(dossier))
    assert response.status_code == 200
    assert [a["name"] for a in response.json()["items"]] == ["Plan d’affaires été 2025.pdf"]


def test_another_company_s_member_gets_404_everywhere(client, dossier, document, foreign_member):
    client.force_login(foreign_member)
    assert client.get(page_url(dossier)).status_code == 404
    assert client.post(page_url(dossier), {"file": upload("x.pdf", PDF_BYTES)}).status_code == 404
    assert client.get(download_url(document)).status_code == 404
    assert client.post(delete_url(document)).status_code == 404
    assert client.get(api_url(dossier)).status_code == 404
    assert client.get(api_url(dossier, document)).status_code == 404
    assert client.delete(api_url(dossier, document)).status_code == 404
    response = client.post(api_url(dossier), {"kind": "other", "file": upload("x.pdf", PDF_BYTES)})
    assert response.status_code == 404
    document.refresh_from_db()
    assert document.deleted_at is None
    assert Attachment.objects.count() == 1


def test_a_deleted_document_is_no_longer_served(client, document, member):
    client.force_login(member)
    client.post(delete_url(document))
    assert client.get(download_url(document)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, dossier, document):
    response = client.get(download_url(document))
    assert response.status_code == 302
    assert reverse("web:login") in response["Location"]
    assert client.get(api_url(dossier)).status_code == 401


def test_an_unverified_member_may_not_download(client, dossier, document):
    unverified = member_of(dossier.company, email_verified_at=None)
    client.force_login(unverified)
    assert client.get(download_url(document)).status_code == 403
    assert client.get(api_url(dossier)).status_code == 403


# -- the API -----------------------------------------------------------------------------


def test_the_api_uploads_lists_downloads_and_deletes(client, dossier, member):
    client.force_login(member)
    response = client.post(
        api_url(dossier), {"kind": "business_plan", "file": upload("plan.pdf", PDF_BYTES)}
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["name"] == "plan.pdf"
    assert created["content_type"] == "application/pdf"
    assert [a["id"] for a in client.get(api_url(dossier)).json()["items"]] == [created["id"]]
    response, body = download(client, created["download_url"])
    assert response.status_code == 200
    assert body == PDF_BYTES
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client.delete(f"{api_url(dossier)}/{created['id']}").status_code == 204
    assert client.get(api_url(dossier)).json() == {"items": [], "count": 0}


def test_the_api_explains_a_refusal_as_structured_json(client, dossier, member):
    client.force_login(member)
    response = client.post(api_url(dossier), {"kind": "other", "file": upload("a.pdf", EXE_BYTES)})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "wrong_type"
    assert "n'est pas un PDF" in body["detail"]
    (message,) = body["errors"]["file"]
    assert "n'est pas un PDF" in message


def test_the_api_says_which_file_was_too_big(client, dossier, member, settings):
    settings.PLANIA_UPLOAD_MAX_BYTES = 1024
    client.force_login(member)
    big = PDF_BYTES + b"%" * 50_000
    response = client.post(api_url(dossier), {"kind": "other", "file": upload("gros.pdf", big)})
    assert response.status_code == 413
    assert response.json()["code"] == "too_big"
    assert "gros.pdf" in response.json()["errors"]["file"][0]


def test_the_api_refuses_changes_to_a_submitted_dossier(client, member, document, dossier):
    dossier.state = "submitted"
    dossier.submitted_at = document.uploaded_at
    dossier.receipt_number = "AR-1"
    dossier.rules_sha256 = "0" * 64
    dossier.scheme_code = "startup-industrie-demain"
    dossier.save()
    client.force_login(member)
    response = client.delete(api_url(dossier, document))
    assert response.status_code == 409
    assert response.json()["code"] == "frozen"


def test_the_api_accepts_a_personal_token(client, dossier, document):
    from plania.accounts.services import api_token_create

    owner = member_of(dossier.company)
    _token, plaintext = api_token_create(user=owner, name="intégration")
    response = client.get(api_url(dossier), headers={"Authorization": f"Bearer {plaintext}"})
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_an_unrelated_verified_user_gets_404(client, dossier, document):
    client.force_login(verified_user())
    assert client.get(page_url(dossier)).status_code == 404
    assert client.get(api_url(dossier)).status_code == 404
