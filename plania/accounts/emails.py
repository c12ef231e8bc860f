"""The e-mails about accounts, rendered in the recipient's language.

Services call the `*_send` functions through `transaction.on_commit`, so that a mail never
announces something a rolled-back transaction did not keep; each enqueues its task
(plania/core/jobs.py) with ids, and the task, run by the worker, renders and sends the
mail. Links are absolute, built on settings.PLANIA_BASE_URL (services have no request to
take the host from).
"""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from plania.accounts.models import User
from plania.accounts.tokens import email_verification_max_age, email_verification_token_make
from plania.core.jobs import enqueue, mail_task


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
    enqueue(verification_email_send_task, user_id)


@mail_task
def verification_email_send_task(user_id: int) -> None:
    # The token is made here, in the worker: it never sits in the task's row.
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
    enqueue(signup_existing_email_send_task, user_id)


@mail_task
def signup_existing_email_send_task(user_id: int) -> None:
    _send(user=User.objects.get(pk=user_id), template="signup_existing", context={})


PASSWORD_RESET_SUBJECT = "web/accounts/email/password_reset_subject.txt"
PASSWORD_RESET_BODY = "web/accounts/email/password_reset_body.txt"


def password_reset_send(
    user_id: int, *, email: str, domain: str, site_name: str, protocol: str, language: str
) -> None:
    """Mail a password reset link (Django's reset form, plania.web.accounts.forms): the host,
    scheme and language are the request's, passed as strings."""
    enqueue(
        password_reset_send_task,
        user_id,
        email=email,
        domain=domain,
        site_name=site_name,
        protocol=protocol,
        language=language,
    )


@mail_task
def password_reset_send_task(
    user_id: int, *, email: str, domain: str, site_name: str, protocol: str, language: str
) -> None:
    # The one-use token is made here, in the worker, as Django's form makes it: it never sits
    # in the task's row. It is bound to the password and last login, so a reset done before
    # the mail leaves voids it.
    user = User.objects.get(pk=user_id)
    context = {
        "email": email,
        "domain": domain,
        "site_name": site_name,
        "uid": urlsafe_base64_encode(force_bytes(User._meta.pk.value_to_string(user))),  # type: ignore[union-attr]
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": protocol,
    }
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(PASSWORD_RESET_SUBJECT, context)
        body = render_to_string(PASSWORD_RESET_BODY, context)
    # As django.contrib.auth.forms.PasswordResetForm.send_mail: no newline in a subject.
    send_mail("".join(subject.splitlines()), body, None, [email])
