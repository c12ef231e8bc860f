"""attachment_add / attachment_delete: who, when, what (by content), and the limits."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings

from plania.applications.enums import ApplicationState
from plania.documents.checks import private_storage_outside_web_root
from plania.documents.models import Attachment
from plania.documents.services import DocumentError, attachment_add, attachment_delete
from plania.documents.storage import private_storage
from tests.documents.dossiers import ApplicationFactory, member_of, stored_files
from tests.documents.files import EXE_BYTES, PDF_BYTES, docx_bytes, upload, zip_bomb_bytes

pytestmark = pytest.mark.django_db


def add(dossier, actor, name="plan.pdf", data=PDF_BYTES, kind="business_plan"):
    return attachment_add(
        application=dossier, actor=actor, uploaded_file=upload(name, data), kind=kind
    )


def test_a_real_pdf_is_stored_privately_under_a_random_name(dossier, member, _private):
    attachment = add(dossier, member, name="../../Plan d'affaires.pdf")
    attachment.refresh_from_db()
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(PDF_BYTES)
    assert attachment.original_name == "Plan d'affaires.pdf"
    assert attachment.uploaded_by == member
    assert len(attachment.sha256) == 64
    # Nothing of the person's name in the stored name; the file is in the private folder.
    assert "Plan" not in attachment.stored_name and ".." not in attachment.stored_name
    (path,) = stored_files(_private)
    assert path.read_bytes() == PDF_BYTES
    with private_storage().open(attachment.stored_name) as handle:
        assert handle.read() == PDF_BYTES
    static_root = Path(django_settings.STATIC_ROOT).resolve()
    assert static_root not in path.resolve().parents


def test_the_detected_type_sets_the_extension(dossier, member):
    attachment = add(dossier, member, name="budget.pdf", data=docx_bytes())
    assert attachment.original_name == "budget.docx"
    assert attachment.content_type.endswith("wordprocessingml.document")


def test_an_exe_renamed_pdf_is_refused_and_nothing_is_stored(dossier, member, _private):
    with pytest.raises(DocumentError) as refused:
        add(dossier, member, name="plan.pdf", data=EXE_BYTES)
    assert refused.value.code == "wrong_type"
    assert refused.value.message.startswith(
        "Le fichier « plan.pdf » n'est pas un PDF : son contenu est celui d'un programme "
        "(exécutable). Types acceptés : "
    )
    assert Attachment.objects.count() == 0
    assert stored_files(_private) == []


def test_a_zip_bomb_is_refused_by_the_service(dossier, member):
    with pytest.raises(DocumentError) as refused:
        add(dossier, member, name="annexe.docx", data=zip_bomb_bytes(200))
    assert refused.value.code == "bomb"
    assert Attachment.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused(dossier, member, settings):
    settings.PLANIA_UPLOAD_MAX_BYTES = 100
    with pytest.raises(DocumentError) as refused:
        add(dossier, member)
    assert refused.value.code == "too_big"
    assert "la limite est de 100\xa0octets par fichier" in refused.value.message


def test_the_number_of_documents_is_capped(dossier, member, settings):
    settings.PLANIA_UPLOAD_MAX_FILES = 2
    add(dossier, member, data=PDF_BYTES + b"%1")
    add(dossier, member, data=PDF_BYTES + b"%2")
    with pytest.raises(DocumentError) as refused:
        add(dossier, member, data=PDF_BYTES + b"%3")
    assert refused.value.code == "count"
    assert "3 pièces jointes : la limite est de 2" in refused.value.message
    assert Attachment.objects.count() == 2


def test_the_total_size_per_dossier_is_capped(dossier, member, settings):
    settings.PLANIA_UPLOAD_MAX_TOTAL_BYTES = len(PDF_BYTES) * 2
    add(dossier, member, data=PDF_BYTES + b"%1")
    with pytest.raises(DocumentError) as refused:
        add(dossier, member, data=PDF_BYTES + b"%2")
    assert refused.value.code == "total"


def test_the_same_file_twice_is_refused(dossier, member):
    add(dossier, member, name="kbis.pdf")
    with pytest.raises(DocumentError) as refused:
        add(dossier, member, name="kbis-copie.pdf")
    assert refused.value.code == "duplicate"
    assert "« kbis.pdf »" in refused.value.message


def test_an_unknown_kind_is_refused(dossier, member):
    with pytest.raises(DocumentError) as refused:
        add(dossier, member, kind="passport")
    assert refused.value.field == "kind"


def test_only_members_add_documents(dossier, staff):
    other_company_member = member_of(ApplicationFactory().company)
    for actor in (staff, other_company_member):
        with pytest.raises(DocumentError) as refused:
            add(dossier, actor)
        assert refused.value.code == "forbidden"


def test_a_submitted_dossier_is_frozen_but_an_incomplete_one_takes_documents(db):
    submitted = ApplicationFactory(submitted=True)
    with pytest.raises(DocumentError) as refused:
        add(submitted, member_of(submitted.company))
    assert refused.value.code == "frozen"

    incomplete = ApplicationFactory(incomplete=True)
    attachment = add(incomplete, member_of(incomplete.company))
    assert attachment.pk is not None


def test_deleting_a_draft_document_records_who_and_when_and_removes_the_file(
    dossier, member, _private, django_capture_on_commit_callbacks
):
    attachment = add(dossier, member)
    with django_capture_on_commit_callbacks(execute=True):
        attachment_delete(attachment=attachment, actor=member)
    attachment.refresh_from_db()
    assert attachment.deleted_by == member and attachment.deleted_at is not None
    assert stored_files(_private) == []
    # The same file may then be added again.
    assert add(dossier, member).pk != attachment.pk


def test_a_submitted_dossier_s_documents_cannot_be_deleted(dossier, member, _private):
    attachment = add(dossier, member)
    dossier.state = ApplicationState.SUBMITTED
    dossier.submitted_at = attachment.uploaded_at
    dossier.receipt_number = "AR-1"
    dossier.rules_sha256 = "0" * 64
    dossier.scheme_code = "startup-industrie-demain"
    dossier.save()
    with pytest.raises(DocumentError) as refused:
        attachment_delete(attachment=attachment, actor=member)
    assert refused.value.code == "frozen"
    attachment.refresh_from_db()
    assert attachment.deleted_at is None
    assert len(stored_files(_private)) == 1


def test_only_members_delete(dossier, member, staff):
    attachment = add(dossier, member)
    with pytest.raises(DocumentError) as refused:
        attachment_delete(attachment=attachment, actor=staff)
    assert refused.value.code == "forbidden"


def test_the_system_check_refuses_a_private_storage_inside_static_root(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    assert private_storage_outside_web_root() == []
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "static" / "private"},
        },
    }
    (error,) = private_storage_outside_web_root()
    assert error.id == "plania.documents.E001"


def test_the_default_private_storage_is_under_media_root_not_static_root():
    # The project's settings module itself (the tests point the storage elsewhere).
    from plania import settings as project

    location = Path(project.STORAGES["private"]["OPTIONS"]["location"]).resolve()
    assert Path(project.MEDIA_ROOT).resolve() in location.parents
    assert Path(project.STATIC_ROOT).resolve() not in location.parents
