"""What the e-mails of an award's life share (committee, agreements, payments,
repayments): each recipient's language, the award's address, who receives.

Services register the rooms' `*_send` functions with `transaction.on_commit`; each
enqueues its task (plania/core/jobs.py) with the id, and the task, run by the worker,
reads the rows again and renders and sends the mail (web/awards/email/notice.txt) in
each recipient's language.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from plania.accounts.models import User
from plania.awards.models import Award
from plania.companies.enums import MembershipStatus


def absolute_url(path: str) -> str:
    return settings.PLANIA_BASE_URL.rstrip("/") + path


def award_url(award: Award) -> str:
    return absolute_url(reverse("web:award", kwargs={"reference": award.reference}))


def send(
    recipients: Iterable[tuple[str, str]],
    build: Callable[[], dict[str, Any]],
) -> None:
    """`recipients`: (address, language); `build` makes the message in the active one."""
    for address, language in recipients:
        with translation.override(language or settings.LANGUAGE_CODE):
            context = build()
            body = render_to_string("web/awards/email/notice.txt", context)
        send_mail(" ".join(context["subject"].split()), body, None, [address])


def members(company_id: int | None) -> list[tuple[str, str]]:
    if company_id is None:
        return []
    users = User.objects.filter(
        memberships__company_id=company_id, memberships__status=MembershipStatus.ACTIVE
    ).distinct()
    return [(u.email, u.language) for u in users]


def beneficiary(award: Award) -> list[tuple[str, str]]:
    if award.company_id is not None:
        return members(award.company_id)
    return [(award.beneficiary_email, settings.LANGUAGE_CODE)] if award.beneficiary_email else []


def role_recipients(role: str) -> list[tuple[str, str]]:
    users = User.objects.filter(groups__name=role, is_active=True).distinct()
    return [(u.email, u.language) for u in users]
