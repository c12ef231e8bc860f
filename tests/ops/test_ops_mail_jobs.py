"""Every mail is a background job (issue 8 item 1): the `*_send` functions called after
commit only enqueue a task with JSON arguments; the task, run by the worker, renders and
sends the same mail as before, in the recipient's language."""

import inspect
import json
from datetime import datetime, timedelta
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from django_tasks.base import Task

from plania.accounts import emails as accounts_emails
from plania.accounts.services import user_sign_up
from plania.agreements import emails as agreements_emails
from plania.agreements import services as agreements_services
from plania.applications import emails as applications_emails
from plania.committee import emails as committee_emails
from plania.core import jobs
from plania.instruction import emails as instruction_emails
from plania.messaging import emails as messaging_emails
from plania.messaging.services import message_post
from plania.payments import emails as payments_emails
from plania.privacy import emails as privacy_emails
from plania.privacy.services import draft_warn
from plania.repayments import emails as repayments_emails
from tests.applications.factories import applicant, draft
from tests.awards.dossiers import funded_call
from tests.awards.flows import approved, pay, pdf_file, signed
from tests.ops.jobs import IMMEDIATE, held_jobs, outbox, run_as_worker, stored

MODULES = [
    accounts_emails,
    agreements_emails,
    applications_emails,
    committee_emails,
    instruction_emails,
    messaging_emails,
    payments_emails,
    privacy_emails,
    repayments_emails,
]
# Each function that services call after commit, and so must only enqueue.
SENDERS = {
    "plania.accounts.emails": {
        "verification_email_send",
        "signup_existing_email_send",
        "password_reset_send",
    },
    "plania.applications.emails": {"receipt_send", "missing_items_send"},
    "plania.agreements.emails": {"agreement_signed_send", "final_report_send"},
    "plania.committee.emails": {"decision_send"},
    "plania.payments.emails": {
        "payment_request_send",
        "payment_certified_send",
        "payment_ordered_send",
        "closed_send",
    },
    "plania.repayments.emails": {"failure_send"},
    "plania.instruction.emails": {"expert_invited_send", "opinion_received_send"},
    "plania.messaging.emails": {"message_notify"},
    "plania.privacy.emails": {"draft_warning_send"},
}


def senders(module: ModuleType) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if (name.endswith("_send") or name == "message_notify")
        and not name.startswith("_")
        and inspect.isfunction(value)
        and value.__module__ == module.__name__
    }


def test_the_list_of_mail_functions_is_complete():
    """A new mail function must be added above, and so be checked below."""
    assert {m.__name__: senders(m) for m in MODULES} == SENDERS


def fake_arguments(function: Any) -> tuple[list[Any], dict[str, Any]]:
    """Arguments of the right types (no database is read while enqueueing)."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for name, parameter in inspect.signature(function).parameters.items():
        annotation = str(parameter.annotation)
        if name == "application":
            value: Any = SimpleNamespace(
                pk=7,
                reference="OCC-2025-00007",
                company=SimpleNamespace(name="Deep Occitanie"),
                call=SimpleNamespace(title="Start-Up 2025"),
            )
        elif "list" in annotation:
            value = [7, 8]
        elif "datetime" in annotation:
            value = datetime(2026, 3, 1, 12, tzinfo=timezone.get_fixed_timezone(60))
        elif "str" in annotation:
            value = f"{name}-value"
        else:
            value = 7
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
            kwargs[name] = value
        else:
            args.append(value)
    return args, kwargs


@pytest.mark.parametrize(
    "module_name, name",
    sorted((module, name) for module, names in SENDERS.items() for name in names),
)
def test_each_mail_function_only_enqueues_its_task_with_json_arguments(module_name, name):
    module = next(m for m in MODULES if m.__name__ == module_name)
    args, kwargs = fake_arguments(getattr(module, name))
    with held_jobs() as held:
        getattr(module, name)(*args, **kwargs)
    assert mail.outbox == []  # nothing is rendered nor sent by the caller
    (result,) = held
    task = getattr(module, f"{name}_task")
    assert isinstance(task, Task)
    assert result.task.func is task.func
    assert (result.task.queue_name, result.task.priority) == (
        jobs.MAIL_QUEUE,
        jobs.MAIL_PRIORITY,
    )
    # What the database backend stores is what was enqueued.
    assert stored(result) == (result.args, result.kwargs)
    assert json.dumps(result.args) and json.dumps(result.kwargs)


def test_a_failure_to_enqueue_is_logged_and_never_raised(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(Task, "enqueue", broken)
    assert payments_emails.closed_send(7) is None
    assert "could not enqueue plania.payments.emails.closed_send_task" in caplog.text


def same_mails_when_run_later(held: list) -> list:
    """Run the held jobs as the worker does; then send the same mails through the `*_send`
    functions with the immediate backend; both must be identical. Returns the mails."""
    assert held, "no job was enqueued"
    assert mail.outbox == []
    run_as_worker(held)
    by_worker = outbox()
    mail.outbox.clear()
    with override_settings(TASKS=IMMEDIATE):
        for result in held:
            module = __import__(result.task.func.__module__, fromlist=["_"])
            send = getattr(module, result.task.name.removesuffix("_task"))
            send(*result.args, **result.kwargs)
    assert outbox() == by_worker
    return by_worker


def test_the_mails_of_an_award_leave_from_the_worker_unchanged(
    staff, private_storage_dir, django_capture_on_commit_callbacks
):
    with held_jobs() as held, django_capture_on_commit_callbacks(execute=True):
        user, award = signed(staff, call=funded_call())
        pay(staff, award, user, award.grant / 2, timezone.now().date())
        agreements_services.final_report_submit(
            award=award, actor=user, uploaded_file=pdf_file("rapport.pdf")
        )
    names = [r.task.name for r in held]
    assert names == [
        "receipt_send_task",
        "decision_send_task",
        "agreement_signed_send_task",
        "payment_request_send_task",
        "payment_certified_send_task",
        "payment_ordered_send_task",
        "final_report_send_task",
    ]
    mails = same_mails_when_run_later(held)
    subjects = [subject for subject, _body, _to, _from in mails]
    assert subjects[0] == f"PlanIA — accusé de réception du dossier {award.application.reference}"
    assert f"Aide accordée : {award.reference}" in subjects
    assert f"Convention signée : {award.reference}" in subjects
    assert f"Versement mandaté : {award.reference}" in subjects
    assert all(to for _s, _b, to, _f in mails)


def test_the_decision_mail_is_in_the_recipient_language(staff, django_capture_on_commit_callbacks):
    with held_jobs() as held, django_capture_on_commit_callbacks(execute=True):
        _user, award = approved(staff, call=funded_call())
    [decision] = [r for r in held if r.task.name == "decision_send_task"]
    # The applicant reads English; the job runs in a process whose language is French.
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(email__in=award_members(award)).update(language="en")
    run_as_worker([decision])
    (message,) = mail.outbox
    assert message.subject == f"Aid granted: {award.reference}"


def award_members(award: Any) -> list[str]:
    from plania.companies.enums import MembershipStatus
    from plania.companies.models import Membership

    return list(
        Membership.objects.filter(
            company_id=award.company_id, status=MembershipStatus.ACTIVE
        ).values_list("user__email", flat=True)
    )


def test_account_mails_leave_from_the_worker_unchanged(
    client, db, django_capture_on_commit_callbacks
):
    owner = applicant(email="deja@example.org")
    with held_jobs() as held, django_capture_on_commit_callbacks(execute=True):
        user_sign_up(
            email="nouvelle@example.org",
            password="un mot de passe solide 2025",
            first_name="Nina",
            last_name="Garcia",
            language="en",
        )
        user_sign_up(
            email="deja@example.org",
            password="un mot de passe solide 2025",
            first_name="X",
            last_name="Y",
            language="fr",
        )
        owner.set_password("un mot de passe solide 2025")
        owner.save()
        response = client.post("/en/compte/mot-de-passe/oubli/", {"email": owner.email})
        assert response.status_code == 302
    # The reset is enqueued in the request (no transaction); the others after commit.
    assert [r.task.name for r in held] == [
        "password_reset_send_task",
        "verification_email_send_task",
        "signup_existing_email_send_task",
    ]
    # No token in the rows: the worker makes it.
    assert "token" not in json.dumps([(r.args, r.kwargs) for r in held])
    mails = same_mails_when_run_later(held)
    assert [to for _s, _b, to, _f in mails] == [
        ["deja@example.org"],
        ["nouvelle@example.org"],
        ["deja@example.org"],
    ]
    # The reset mail is in the language of the page it was asked from, with its link.
    reset_subject, reset_body, _to, _from = mails[0]
    assert reset_subject == "PlanIA: choose a new password"
    assert "http://testserver/en/compte/mot-de-passe/reinitialiser/" in reset_body


def test_the_reset_link_made_by_the_worker_works(client, db):
    owner = applicant(email="camille@example.org")
    owner.set_password("un mot de passe solide 2025")
    owner.save()
    with held_jobs() as held:
        client.post("/compte/mot-de-passe/oubli/", {"email": owner.email})
    assert mail.outbox == []
    run_as_worker(held)
    (message,) = mail.outbox
    link = next(w for w in message.body.split() if "/reinitialiser/" in w)
    response = client.get(link.removeprefix("http://testserver"))
    assert response.status_code == 302 and response["Location"].endswith("/set-password/")


def test_a_message_mail_leaves_from_the_worker_unchanged(
    db, clock, django_capture_on_commit_callbacks
):
    from tests.applications.factories import CallFactory
    from tests.awards.dossiers import with_role

    user = applicant()
    application = draft(CallFactory(), user)
    with_role("officer", is_staff=True, email="officer@region.example")
    with held_jobs() as held, django_capture_on_commit_callbacks(execute=True):
        message_post(application=application, actor=user, body="Une question.")
    assert [r.task.name for r in held] == ["message_notify_task"]
    (mail_sent,) = same_mails_when_run_later(held)
    assert mail_sent[2] == ["officer@region.example"]
    assert "Une question" not in mail_sent[1]


def test_the_draft_warning_goes_even_if_the_draft_is_deleted_first(
    db, clock, django_capture_on_commit_callbacks
):
    from tests.applications.factories import CallFactory

    user = applicant()
    application = draft(CallFactory(), user)
    deadline = timezone.now() + timedelta(days=30)
    with held_jobs() as held, django_capture_on_commit_callbacks(execute=True):
        draft_warn(application=application, deadline=deadline, now=timezone.now())
    (job,) = held
    # While the dossier exists: the task reads it.
    run_as_worker(held)
    with_dossier = outbox()
    assert [to for _s, _b, to, _f in with_dossier] == [[user.email]]
    assert application.reference in with_dossier[0][0]
    # Deleted before the worker ran: the same mail, from what the job carries.
    mail.outbox.clear()
    from plania.privacy.services import draft_delete

    with django_capture_on_commit_callbacks(execute=True):
        draft_delete(application=application)
    run_as_worker([job])
    assert outbox() == with_dossier
