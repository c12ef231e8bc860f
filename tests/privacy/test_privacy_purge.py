"""Retention of drafts never submitted (issue 7 item 6): `plania purge_drafts`."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from plania.applications.models import Application, ApplicationEvent, CostLine, DeclaredAid
from plania.applications.services import application_submit
from plania.documents.models import Attachment
from plania.documents.services import attachment_add
from plania.documents.storage import private_storage
from plania.messaging.models import Message
from plania.messaging.services import message_post
from plania.privacy.models import DossierView, DraftRetentionWarning
from plania.privacy.services import dossier_view_record
from tests.applications.factories import draft

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def purge(django_capture_on_commit_callbacks):
    """Run the command; what it leaves for after commit (e-mails, files) runs too."""

    def run(*args):
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("purge_drafts", *args, stdout=out, stderr=StringIO())
        return out.getvalue()

    return run


def aged(app, days):
    """Pretend the draft was last saved `days` days ago (auto_now bypassed)."""
    from django.utils import timezone

    Application.objects.filter(pk=app.pk).update(updated_at=timezone.now() - timedelta(days=days))


@pytest.fixture
def old_draft(clock, call, user):
    app = draft(call, user)
    attachment_add(
        application=app,
        actor=user,
        uploaded_file=SimpleUploadedFile("devis.pdf", PDF),
        kind="other",
    )
    message_post(application=app, actor=user, body="Une question")
    dossier_view_record(user=user, application=app)
    return app


def test_nothing_before_the_warning_threshold(old_draft, purge):
    aged(old_draft, 300)
    assert "0 draft(s) warned, 0 deleted" in purge()
    assert not mail.outbox and not DraftRetentionWarning.objects.exists()


def test_dry_run_deletes_nothing_and_sends_nothing(old_draft, purge):
    aged(old_draft, 400)
    out = purge("--dry-run", "--warn-days", "0")
    assert f"would warn {old_draft.reference}" in out
    assert f"would delete {old_draft.reference}" in out
    assert Application.objects.filter(pk=old_draft.pk).exists()
    assert not mail.outbox and not DraftRetentionWarning.objects.exists()
    assert Attachment.objects.filter(application=old_draft).count() == 1


def test_the_warning_is_sent_once_to_the_company_members(old_draft, user, purge):
    aged(old_draft, 340)  # 365 - 30 <= 340 < 365
    out = purge()
    assert f"warned {old_draft.reference}" in out
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert old_draft.reference in mail.outbox[0].subject
    assert DraftRetentionWarning.objects.filter(application=old_draft).count() == 1
    purge()
    purge("--warn-days", "30")
    assert len(mail.outbox) == 1
    assert Application.objects.filter(pk=old_draft.pk).exists()


def test_deleted_after_retention_with_its_rows_and_files(clock, old_draft, purge):
    aged(old_draft, 340)
    purge()
    stored = Attachment.objects.get(application=old_draft).stored_name
    assert private_storage().exists(stored)
    clock.advance(days=29)
    aged(old_draft, 369)  # past retention, but warned only 29 days ago
    out = purge()
    assert "0 deleted" in out, out
    clock.advance(days=1, hours=1)  # 30 days of 24 hours (summer time began meanwhile)
    aged(old_draft, 370)
    out = purge()
    assert f"deleted {old_draft.reference}" in out, out
    assert not Application.objects.filter(pk=old_draft.pk).exists()
    for model in (CostLine, DeclaredAid, Attachment, Message, ApplicationEvent, DossierView):
        assert not model.objects.filter(application_id=old_draft.pk).exists()
    assert not DraftRetentionWarning.objects.exists()
    assert not private_storage().exists(stored)


def test_a_save_after_the_warning_voids_it(old_draft, purge):
    aged(old_draft, 340)
    purge()
    Application.objects.get(pk=old_draft.pk).save()  # the applicant came back
    purge()
    assert Application.objects.filter(pk=old_draft.pk).exists()
    assert len(mail.outbox) == 1


def test_per_scheme_retention(settings, old_draft, purge):
    settings.PLANIA_DRAFT_RETENTION_DAYS_BY_SCHEME = {old_draft.call.scheme_code: 30}
    aged(old_draft, 31)
    out = purge("--warn-days", "0")
    assert f"deleted {old_draft.reference}" in out
    assert not Application.objects.filter(pk=old_draft.pk).exists()


def test_submitted_dossiers_are_never_deleted(settings, clock, call, user, purge):
    app = draft(call, user)
    application_submit(application=app, actor=user)
    settings.PLANIA_DRAFT_RETENTION_DAYS = 0
    clock.advance(days=1000)
    aged(app, 2000)
    out = purge("--warn-days", "0")
    assert "0 draft(s) warned, 0 deleted" in out
    assert Application.objects.filter(pk=app.pk).exists()
    assert not mail.outbox
