"""The warning e-mail before a draft is deleted, in each recipient's language: enqueued
after commit (plania.privacy.services.draft_warn), rendered and sent by the worker."""

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from plania.accounts.models import User
from plania.applications.models import Application
from plania.companies.enums import MembershipStatus
from plania.core.jobs import enqueue, mail_task


def draft_warning_recipients(application: Application):  # type: ignore[no-untyped-def]
    """The company's verified representatives, and the draft's author (who may still be
    waiting to be verified: their own draft is theirs to keep or lose)."""
    return User.objects.filter(
        Q(
            memberships__company=application.company,
            memberships__status=MembershipStatus.ACTIVE,
        )
        | Q(pk=application.created_by_id),
        is_active=True,
    ).distinct()


def draft_warning_send(application: Application, user_ids: list[int], deadline: datetime) -> None:
    """Have the users warned, by the worker, that the draft will be deleted at `deadline`.

    The task gets, besides the ids, what the mail names of the dossier: the mail goes even
    if the draft is deleted before the worker runs it (`purge_drafts --warn-days 0`)."""
    dossier = {
        "reference": application.reference,
        "company": application.company.name,
        "call": application.call.title,
    }
    enqueue(draft_warning_send_task, application.pk, list(user_ids), deadline.isoformat(), dossier)


@mail_task
def draft_warning_send_task(
    application_id: int, user_ids: list[int], deadline: str, dossier: dict[str, str]
) -> None:
    application: Any = (
        Application.objects.select_related("company", "call").filter(pk=application_id).first()
    )
    if application is None:
        application = SimpleNamespace(
            reference=dossier["reference"],
            company=SimpleNamespace(name=dossier["company"]),
            call=SimpleNamespace(title=dossier["call"]),
        )
    deadline_at = datetime.fromisoformat(deadline)
    for user in User.objects.filter(pk__in=user_ids):
        with translation.override(user.language or settings.LANGUAGE_CODE):
            path = reverse("web:application", kwargs={"reference": application.reference})
            context = {
                "user": user,
                "application": application,
                "company": application.company,
                "call": application.call,
                "deadline": timezone.localtime(deadline_at),
                "dossier_url": settings.PLANIA_BASE_URL.rstrip("/") + path,
            }
            subject = render_to_string("web/privacy/email/draft_warning_subject.txt", context)
            body = render_to_string("web/privacy/email/draft_warning_body.txt", context)
        send_mail(" ".join(subject.split()), body, None, [user.email])
