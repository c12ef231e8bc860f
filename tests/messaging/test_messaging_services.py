"""message_post, message_request_missing, message_answer_request, read marks, e-mails."""

import pytest
from django.core import mail

from plania.applications.enums import ApplicationState
from plania.applications.models import ApplicationEvent
from plania.applications.services import application_save_draft
from plania.documents.models import Attachment
from plania.messaging.enums import MessageKind, Side
from plania.messaging.models import Message
from plania.messaging.selectors import threads_of, unread_count
from plania.messaging.services import (
    MessagingError,
    message_answer_request,
    message_post,
    message_request_missing,
    message_thread_mark_read,
)
from tests.documents.dossiers import (
    ApplicationFactory,
    CallFactory,
    member_of,
    scheme_officer,
    stored_files,
)
from tests.documents.files import EXE_BYTES, PDF_BYTES, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(db):
    """Staff in the officers' group: told of a thread no staff has written in yet."""
    return scheme_officer(email="officer@region.example")


def test_a_member_posts_and_the_officers_are_mailed_after_commit(
    dossier, member, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = message_post(application=dossier, actor=member, body="Bonjour,\nune question.")
    # Nothing is mailed before the transaction commits.
    assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    (sent,) = mail.outbox
    assert sent.to == ["officer@region.example"]
    assert dossier.reference in sent.subject
    assert f"/dossiers/{dossier.reference}/messages/" in sent.body
    # The mail does not copy the message: the dossier is confidential.
    assert "une question" not in sent.body
    assert (message.side, message.kind) == (Side.APPLICANT, MessageKind.MESSAGE)
    assert message.read_by_applicant == member and message.read_by_staff_at is None


def test_a_staff_message_mails_the_verified_members_but_not_its_author(
    dossier, member, staff, django_capture_on_commit_callbacks
):
    member_of(dossier.company, email="unverified@garonne.example", email_verified_at=None)
    second = member_of(dossier.company, email="second@garonne.example")
    with django_capture_on_commit_callbacks(execute=True):
        message_post(application=dossier, actor=staff, body="Merci pour votre dossier.")
    assert sorted(m.to[0] for m in mail.outbox) == [member.email, second.email]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message_post(application=dossier, actor=member, body="Merci.")
    # Once staff have written in the thread, they are the ones told.
    assert [m.to for m in mail.outbox] == [[staff.email]]


def test_the_mail_is_in_the_recipient_s_language(
    dossier, member, staff, django_capture_on_commit_callbacks
):
    member.language = "en"
    member.save()
    with django_capture_on_commit_callbacks(execute=True):
        message_post(application=dossier, actor=staff, body="Bonjour")
    (sent,) = mail.outbox
    # The English catalogue may not be compiled yet: the link is there either way.
    assert f"/en/dossiers/{dossier.reference}/messages/" in sent.body


def test_files_sent_with_a_message_are_attachments_of_it(dossier, member):
    message = message_post(
        application=dossier,
        actor=member,
        body="Voici le Kbis.",
        files=[upload("kbis.pdf", PDF_BYTES)],
    )
    (attachment,) = message.attachments.all()
    assert attachment.application == dossier
    assert attachment.original_name == "kbis.pdf"


def test_a_refused_file_refuses_the_whole_message(dossier, member, _private):
    with pytest.raises(MessagingError) as refused:
        message_post(
            application=dossier,
            actor=member,
            body="Voici",
            files=[upload("ok.pdf", PDF_BYTES), upload("plan.pdf", EXE_BYTES)],
        )
    assert refused.value.code == "files"
    (reason,) = refused.value.errors["files"]
    assert reason.startswith("Le fichier « plan.pdf » n'est pas un PDF")
    assert Message.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert stored_files(_private) == []


@pytest.mark.parametrize(
    ("body", "code"), [("", "empty"), ("  \n\t ", "empty"), ("x" * 10_001, "too_long")]
)
def test_an_empty_or_too_long_body_is_refused(dossier, member, body, code):
    with pytest.raises(MessagingError) as refused:
        message_post(application=dossier, actor=member, body=body)
    assert refused.value.code == code


def test_control_characters_are_removed_and_line_breaks_kept(dossier, member):
    message = message_post(application=dossier, actor=member, body="a\r\nb\x00c\u202ed\x1b[31m")
    assert message.body == "a\nbcd[31m"


def test_someone_outside_the_dossier_may_not_post(dossier):
    outsider = member_of(ApplicationFactory().company)
    with pytest.raises(MessagingError) as refused:
        message_post(application=dossier, actor=outsider, body="Bonjour")
    assert refused.value.code == "forbidden"


def test_read_marks_and_unread_counts_per_side(dossier, member, staff):
    message_post(application=dossier, actor=member, body="Un")
    message_post(application=dossier, actor=member, body="Deux")
    assert unread_count(application=dossier, user=staff) == 2
    assert unread_count(application=dossier, user=member) == 0
    (thread,) = threads_of(staff)
    assert (thread.message_count, thread.unread) == (2, 2)
    assert message_thread_mark_read(application=dossier, actor=staff) == 2
    assert unread_count(application=dossier, user=staff) == 0
    message_post(application=dossier, actor=staff, body="Trois")
    assert unread_count(application=dossier, user=member) == 1
    assert Message.objects.get(body="Un").read_by_staff == staff


def test_threads_of_a_member_are_only_their_company_s(dossier, member, staff):
    other = ApplicationFactory(submitted=True)
    message_post(application=dossier, actor=member, body="Un")
    message_post(application=other, actor=staff, body="Autre")
    assert [a.reference for a in threads_of(member)] == [dossier.reference]
    assert {a.reference for a in threads_of(staff)} == {dossier.reference, other.reference}


# -- requests for missing items and their answers (the applications room's transitions)


@pytest.fixture
def submitted(db):
    return ApplicationFactory(submitted=True)


def test_staff_request_missing_items_and_the_dossier_becomes_incomplete(
    submitted, officer, django_capture_on_commit_callbacks
):
    staff = officer
    member = member_of(submitted.company)
    with django_capture_on_commit_callbacks(execute=True):
        message = message_request_missing(
            application=submitted, actor=staff, body="Merci de joindre le Kbis."
        )
    submitted.refresh_from_db()
    assert submitted.state == ApplicationState.INCOMPLETE
    event = ApplicationEvent.objects.filter(application=submitted).latest("at")
    assert (event.transition, event.actor, event.reason) == (
        "request_missing",
        staff,
        "Merci de joindre le Kbis.",
    )
    assert (message.kind, message.side) == (MessageKind.REQUEST_MISSING, Side.STAFF)
    # One mail to the member: the applications room's, not a second one from the thread.
    assert [m.to for m in mail.outbox] == [[member.email]]


def test_only_staff_request_missing_items(submitted):
    member = member_of(submitted.company)
    with pytest.raises(MessagingError) as refused:
        message_request_missing(application=submitted, actor=member, body="?")
    assert refused.value.code == "forbidden"
    submitted.refresh_from_db()
    assert submitted.state == ApplicationState.SUBMITTED


def test_a_request_on_a_draft_is_refused_and_nothing_is_written(staff):
    # A draft is the applicant's alone: no officer reaches it (issue 13).
    dossier = ApplicationFactory()
    with pytest.raises(MessagingError) as refused:
        message_request_missing(application=dossier, actor=staff, body="Kbis ?")
    assert refused.value.code == "forbidden"
    assert Message.objects.count() == 0


def test_an_answer_that_the_dossier_check_refuses_writes_nothing(_private):
    """The answer sends the dossier back to "submitted" only if it passes the submission
    check again (the applications room's rule); this dossier's form is empty."""
    incomplete = ApplicationFactory(incomplete=True)
    member = member_of(incomplete.company)
    with pytest.raises(MessagingError) as refused:
        message_answer_request(
            application=incomplete,
            actor=member,
            body="Voici le Kbis.",
            files=[upload("kbis.pdf", PDF_BYTES)],
        )
    assert refused.value.code == "state"
    assert "ne peut pas être déposé" in refused.value.message
    # The dossier's own field errors come along, so the person knows what to fix.
    assert len(refused.value.messages) > 1
    incomplete.refresh_from_db()
    assert incomplete.state == ApplicationState.INCOMPLETE
    assert Message.objects.count() == 0
    assert stored_files(_private) == []


def test_only_members_answer_and_only_an_incomplete_dossier(submitted, staff):
    incomplete = ApplicationFactory(incomplete=True)
    with pytest.raises(MessagingError) as refused:
        message_answer_request(application=incomplete, actor=staff, body="Réponse")
    assert refused.value.code == "forbidden"
    with pytest.raises(MessagingError) as refused:
        message_answer_request(
            application=submitted, actor=member_of(submitted.company), body="Réponse"
        )
    assert refused.value.code == "state"
    assert Message.objects.count() == 0


def test_an_applicant_answers_with_files_and_the_dossier_is_submitted_again(
    staff, django_capture_on_commit_callbacks
):
    incomplete = ApplicationFactory(
        incomplete=True, call=CallFactory(scheme_code="ia-rd-projets", scheme_version="2025")
    )
    member = member_of(incomplete.company)
    message_post(application=incomplete, actor=staff, body="Il manque le budget.")
    # The applicant completes the dossier (the applications room's service), then answers.
    application_save_draft(
        application=incomplete,
        actor=member,
        answers={
            "project_title": "Vision IA",
            "summary": "Un projet de vision par ordinateur.",
            "sector": "sante",
            "duration_months": "12",
            "headcount": "5",
            "requested_eur": "50000",
        },
        cost_lines=[
            {"label": "Salaires", "category": "personnel", "amount": "100000", "eligible": True}
        ],
    )
    incomplete.refresh_from_db()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message = message_answer_request(
            application=incomplete,
            actor=member,
            body="Voici le budget détaillé.",
            files=[upload("budget.pdf", PDF_BYTES)],
        )
    incomplete.refresh_from_db()
    assert incomplete.state == ApplicationState.SUBMITTED
    event = ApplicationEvent.objects.filter(application=incomplete).latest("at")
    assert (event.transition, event.actor) == ("answer_missing", member)
    assert (message.kind, message.side) == (MessageKind.ANSWER, Side.APPLICANT)
    assert [a.original_name for a in message.attachments.all()] == ["budget.pdf"]
    # The officer who wrote in the thread is told.
    assert [m.to for m in mail.outbox] == [[staff.email]]
