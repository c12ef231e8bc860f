"""The e-mails about accounts, rendered in the recipient's language.

Services call these through `transaction.on_commit`, so that a mail never announces
something a rolled-back transaction did not keep. Links are absolute, built on
settings.PLANIA_BASE_URL (services have no request to take the host from).
"""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from plania.accounts.models import User
from plania.accounts.tokens import email_verification_max_age, email_verification_token_make


def absolute_url(path: str) -> str:
    return settings.PLANIA_BASE_URL.rstrip("/") + path


def _send(*, user: User, template: str, context: dict[str, object]) -> None:
    with translation.override(user.language):
        context = {
            "user": user,
            "site_url": absolute_url(reverse("web:home")),
            "login_url": absolute_url(reverse("web:login")),
            "password_reset_url": absolute_url(reverse("web:password_reset")),
            **context,
        }
        subject = render_to_string(f"web/accounts/email/{template}_subject.txt", context)
        body = render_to_string(f"web/accounts/email/{template}_body.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])


def verification_email_send(user_id: int) -> None:
    """Mail a fresh verification link to the user (read again: after commit)."""
    user = User.objects.get(pk=user_id)
    token = email_verification_token_make(user_id=user.pk, email=user.email)
    with translation.override(user.language):
        url = absolute_url(reverse("web:verify_email", kwargs={"token": token}))
    _send(
        user=user,
        template="verify",
        context={"verify_url": url, "days": email_verification_max_age().days},
    )


def signup_existing_email_send(user_id: int) -> None:
    """Tell the owner of an address that someone tried to sign up with it."""
    _send(user=User.objects.get(pk=user_id), template="signup_existing", context={})
