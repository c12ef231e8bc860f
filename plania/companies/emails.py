"""The e-mails about company representatives: an invitation, a mandate's decision.

Services call the `*_send` functions through `transaction.on_commit`; each enqueues its
task (plania/core/jobs.py) with ids, and the task renders and sends the mail in the
recipient's language. Links are absolute, on settings.PLANIA_BASE_URL.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from plania.companies.models import Invitation, Mandate
from plania.core.jobs import enqueue, mail_task


def _absolute(path: str) -> str:
    return settings.PLANIA_BASE_URL.rstrip("/") + path


def _send(*, to: str, language: str, template: str, context: dict[str, object]) -> None:
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {
            "site_url": _absolute(reverse("web:home")),
            "companies_url": _absolute(reverse("web:my_companies")),
            **context,
        }
        subject = render_to_string(f"web/companies/email/{template}_subject.txt", context)
        body = render_to_string(f"web/companies/email/{template}_body.txt", context)
    send_mail(" ".join(subject.split()), body, None, [to])


def invitation_send(invitation_id: int) -> None:
    enqueue(invitation_send_task, invitation_id)


@mail_task
def invitation_send_task(invitation_id: int) -> None:
    invitation = Invitation.objects.select_related("company", "invited_by").get(pk=invitation_id)
    known = get_user_model().objects.filter(email__iexact=invitation.email).first()
    _send(
        to=invitation.email,
        language=getattr(known, "language", "") or settings.LANGUAGE_CODE,
        template="invitation",
        context={
            "invitation": invitation,
            "company": invitation.company,
            "inviter": invitation.invited_by.get_full_name() or invitation.invited_by.email,
            "signup_url": _absolute(reverse("web:signup")),
        },
    )


def mandate_decision_send(mandate_id: int) -> None:
    enqueue(mandate_decision_send_task, mandate_id)


@mail_task
def mandate_decision_send_task(mandate_id: int) -> None:
    mandate = Mandate.objects.select_related("company", "user").get(pk=mandate_id)
    _send(
        to=mandate.user.email,
        language=mandate.user.language,
        template="mandate_decision",
        context={"mandate": mandate, "company": mandate.company, "user": mandate.user},
    )
