"""The e-mails about dossiers, in the recipient's language, sent after commit.

Services register the `*_send` functions with `transaction.on_commit`, so that a mail
never announces a submission a rolled-back transaction did not keep. Each enqueues its
task (plania/core/jobs.py) with ids; the task, run by the worker, reads the dossier again
and renders and sends the mail.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from plania.accounts.models import User
from plania.applications.models import Application
from plania.companies.enums import MembershipStatus
from plania.core.jobs import enqueue, mail_task


def absolute_url(path: str) -> str:
    return settings.PLANIA_BASE_URL.rstrip("/") + path


def _send(*, user: User, template: str, application: Application, **context: object) -> None:
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "application": application,
            "call": application.call,
            "company": application.company,
            "dossier_url": absolute_url(
                reverse("web:application", kwargs={"reference": application.reference})
            ),
            **context,
        }
        subject = render_to_string(f"web/applications/email/{template}_subject.txt", context)
        body = render_to_string(f"web/applications/email/{template}_body.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])


def receipt_send(application_id: int, user_id: int) -> None:
    """The receipt of a submission, to the person who submitted."""
    enqueue(receipt_send_task, application_id, user_id)


@mail_task
def receipt_send_task(application_id: int, user_id: int) -> None:
    application = Application.objects.select_related("call", "company").get(pk=application_id)
    user = User.objects.get(pk=user_id)
    with translation.override(user.language or settings.LANGUAGE_CODE):
        receipt_url = absolute_url(
            reverse("web:application_receipt", kwargs={"reference": application.reference})
        )
    _send(user=user, template="receipt", application=application, receipt_url=receipt_url)


def missing_items_send(application_id: int) -> None:
    """Tell the company's active members that an officer asks for missing items."""
    enqueue(missing_items_send_task, application_id)


@mail_task
def missing_items_send_task(application_id: int) -> None:
    application = Application.objects.select_related("call", "company").get(pk=application_id)
    event = application.events.filter(transition="request_missing").order_by("-at", "-pk").first()
    members = User.objects.filter(
        memberships__company=application.company,
        memberships__status=MembershipStatus.ACTIVE,
    ).distinct()
    for user in members:
        _send(
            user=user,
            template="missing_items",
            application=application,
            message=event.reason if event else "",
        )
