"""The instruction's e-mails, in the recipient's language, sent after commit.

Services register the `*_send` functions with `transaction.on_commit`, so that no mail
announces an invitation or an opinion a rolled-back transaction did not keep. Each enqueues
its task (plania/core/jobs.py) with the id; the task, run by the worker, reads the rows
again and renders and sends the mail. The applicant's mail about missing items is the
applications room's (plania.applications.emails.missing_items_send).
"""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from plania.accounts.models import User
from plania.core.jobs import enqueue, mail_task
from plania.instruction.models import ExpertInvitation


def absolute_url(path: str) -> str:
    return settings.PLANIA_BASE_URL.rstrip("/") + path


def _send(*, user: User, template: str, url_name: str, invitation: ExpertInvitation) -> None:
    application = invitation.application
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "invitation": invitation,
            "application": application,
            "call": application.call,
            "expert": invitation.expert,
            "url": absolute_url(reverse(url_name, kwargs={"reference": application.reference})),
        }
        subject = render_to_string(f"web/instruction/email/{template}_subject.txt", context)
        body = render_to_string(f"web/instruction/email/{template}_body.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])


def _invitation(invitation_id: int) -> ExpertInvitation:
    return ExpertInvitation.objects.select_related(
        "application__call", "application__assignment__officer", "expert", "invited_by"
    ).get(pk=invitation_id)


def expert_invited_send(invitation_id: int) -> None:
    """Tell an expert they are invited on a dossier (no content of the dossier: they
    declare their interests first)."""
    enqueue(expert_invited_send_task, invitation_id)


@mail_task
def expert_invited_send_task(invitation_id: int) -> None:
    invitation = _invitation(invitation_id)
    _send(
        user=invitation.expert,
        template="expert_invited",
        url_name="web:instruction_expertise",
        invitation=invitation,
    )


def opinion_received_send(invitation_id: int) -> None:
    """Tell the officer who invited the expert, and the officer in charge of the dossier
    when another, that an opinion arrived."""
    enqueue(opinion_received_send_task, invitation_id)


@mail_task
def opinion_received_send_task(invitation_id: int) -> None:
    invitation = _invitation(invitation_id)
    recipients = [invitation.invited_by]
    assignment = getattr(invitation.application, "assignment", None)
    if assignment is not None and assignment.officer_id != invitation.invited_by_id:
        recipients.append(assignment.officer)
    for user in recipients:
        if user.is_active:
            _send(
                user=user,
                template="opinion_received",
                url_name="web:instruction_dossier",
                invitation=invitation,
            )
