"""The warning e-mail before a draft is deleted, in each recipient's language."""

from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from plania.accounts.models import User
from plania.applications.models import Application
from plania.companies.enums import MembershipStatus


def draft_warning_recipients(application: Application):  # type: ignore[no-untyped-def]
    return User.objects.filter(
        memberships__company=application.company,
        memberships__status=MembershipStatus.ACTIVE,
        is_active=True,
    ).distinct()


def draft_warning_send(application: Application, user_ids: list[int], deadline: datetime) -> None:
    for user in User.objects.filter(pk__in=user_ids):
        with translation.override(user.language or settings.LANGUAGE_CODE):
            path = reverse("web:application", kwargs={"reference": application.reference})
            context = {
                "user": user,
                "application": application,
                "company": application.company,
                "call": application.call,
                "deadline": timezone.localtime(deadline),
                "dossier_url": settings.PLANIA_BASE_URL.rstrip("/") + path,
            }
            subject = render_to_string("web/privacy/email/draft_warning_subject.txt", context)
            body = render_to_string("web/privacy/email/draft_warning_body.txt", context)
        send_mail(" ".join(subject.split()), body, None, [user.email])
