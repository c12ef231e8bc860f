"""The e-mail telling the other side that a message arrived, in each recipient's
language. `message_notify` is called after commit (plania.messaging.services) and enqueues
the task (plania/core/jobs.py); the task, run by the worker, reads the message again by id
and renders and sends the mails.

The mail does not copy the message: a dossier is confidential and mailboxes leak; the
mail names the dossier and links to the thread, behind sign-in.

Recipients: for a message from the applicant, the staff who already wrote in the thread,
or, before any did, the officers (group "officer"); for a message from staff, the
company's active members with a verified address. Never the author.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from plania.accounts.emails import absolute_url
from plania.accounts.roles import Role
from plania.companies.enums import MembershipStatus
from plania.core.jobs import enqueue, mail_task
from plania.messaging.enums import Side
from plania.messaging.models import Message


def recipients(message: Message) -> list[Any]:
    User = get_user_model()
    application = message.application
    if message.side == Side.APPLICANT:
        staff_ids = (
            Message.objects.filter(application=application, side=Side.STAFF)
            .values_list("author_id", flat=True)
            .distinct()
        )
        people = User.objects.filter(pk__in=staff_ids, is_active=True, is_staff=True)
        if not people.exists():
            people = User.objects.filter(
                groups__name=Role.OFFICER, is_active=True, is_staff=True
            ).distinct()
    else:
        people = User.objects.filter(
            memberships__company_id=application.company_id,
            memberships__status=MembershipStatus.ACTIVE,
            is_active=True,
            email_verified_at__isnull=False,
        ).distinct()
    return [p for p in people.exclude(pk=message.author_id).order_by("pk") if p.email]


def message_notify(message_id: int) -> None:
    """Have each recipient mailed, by the worker."""
    enqueue(message_notify_task, message_id)


@mail_task
def message_notify_task(message_id: int) -> int:
    """Mail each recipient; how many mails were sent (the task's recorded result)."""
    message = Message.objects.select_related("application", "author").get(pk=message_id)
    reference = message.application.reference
    sent = 0
    for person in recipients(message):
        with translation.override(getattr(person, "language", None) or "fr"):
            context = {
                "person": person,
                "message": message,
                "reference": reference,
                "thread_url": absolute_url(
                    reverse("web:message_thread", kwargs={"reference": reference})
                ),
            }
            subject = render_to_string("web/messaging/email/new_message_subject.txt", context)
            body = render_to_string("web/messaging/email/new_message_body.txt", context)
        send_mail(" ".join(subject.split()), body, None, [person.email])
        sent += 1
    return sent
