"""Writes on accounts: sign-up, e-mail verification, personal API tokens.

Every service is keyword-only, runs in one transaction and never sees a request; a
refusal is an AccountError whose message is for the person (French msgid, translated
in the active language). Mails leave after commit (transaction.on_commit).
"""

import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from plania.accounts import emails
from plania.accounts.addresses import email_key, validate_new_address
from plania.accounts.models import ApiToken, ApiTokenScope, User, api_token_max_days
from plania.accounts.tokens import (
    VerificationTokenExpired,
    VerificationTokenInvalid,
    api_token_generate,
    email_verification_token_read,
)

# Wait at least this long between two account e-mails to one person (ASVS 2.5: no
# unlimited mail to an address someone else typed).
ACCOUNT_EMAIL_INTERVAL = timedelta(minutes=2)
# last_used_at is written at most once a minute per token, not on every API call.
API_TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)
API_TOKEN_NAME_MAX = 100


class AccountError(Exception):
    """A refused account operation; `code` for programs, the message for people."""

    def __init__(self, message: str | Promise, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return str(self.message)


def normalize_email(email: str) -> str:
    """One spelling per mailbox: the address's key (plania.accounts.addresses: trimmed,
    NFKC, case-folded), which sign-up stores as the address itself."""
    return email_key(email)


def _language(language: str) -> str:
    try:
        return translation.get_supported_language_variant(language or "")
    except LookupError:
        return settings.LANGUAGE_CODE


def _username_for(email: str) -> str:
    # The username is not shown to applicants; the address is a readable one when it fits
    # the username rules, otherwise a random one.
    if len(email) <= 150 and not User.objects.filter(username=email).exists():
        try:
            User.username_validator(email)
        except ValidationError:
            pass
        else:
            return email
    return f"u-{secrets.token_hex(8)}"


def _may_mail(user: User, now: datetime) -> bool:
    return user.account_email_sent_at is None or (
        now - user.account_email_sent_at >= ACCOUNT_EMAIL_INTERVAL
    )


def _mail_after_commit(user: User, now: datetime, send: Callable[[], None]) -> None:
    User.objects.filter(pk=user.pk).update(account_email_sent_at=now)
    user.account_email_sent_at = now
    transaction.on_commit(send)


@transaction.atomic
def user_sign_up(
    *, email: str, password: str, first_name: str, last_name: str, language: str
) -> User | None:
    """Create an account whose address is not yet verified and mail it a link.

    If the address already has an account, nothing is created and its owner gets a mail
    saying so; the caller shows the same "check your mailbox" page in both cases, so that
    the sign-up form does not tell who has an account. Returns the new user, or None.
    Raises django.core.exceptions.ValidationError for a bad address, one with characters
    outside ASCII (look-alikes: plania.accounts.addresses) or a weak password (Django's
    validators, as configured in settings).
    """
    validate_new_address(email)
    email = normalize_email(email)
    validate_email(email)
    candidate = User(email=email, first_name=first_name.strip(), last_name=last_name.strip())
    validate_password(password, user=candidate)
    now = timezone.now()

    existing = User.objects.filter(email_key=email_key(email)).first()
    if existing is None:
        candidate.username = _username_for(email)
        candidate.language = _language(language)
        candidate.set_password(password)
        try:
            with transaction.atomic():
                candidate.save()
        except IntegrityError:
            # Another sign-up with this address committed between our check and our
            # insert: answer as for an existing address.
            existing = User.objects.filter(email_key=email_key(email)).first()
            if existing is None:
                raise
        else:
            _mail_after_commit(
                candidate, now, partial(emails.verification_email_send, candidate.pk)
            )
            return candidate

    # Hash anyway, so that answering for an existing address takes as long as creating one.
    make_password(password)
    if _may_mail(existing, now):
        _mail_after_commit(existing, now, partial(emails.signup_existing_email_send, existing.pk))
    return None


@transaction.atomic
def user_verification_send(*, user: User) -> None:
    """Mail a new verification link (the "re-send" button)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.email_verified:
        raise AccountError(_("Votre adresse e-mail est déjà vérifiée."), code="already_verified")
    now = timezone.now()
    if not _may_mail(user, now):
        raise AccountError(
            _(
                "Un lien vient de vous être envoyé. Attendez quelques minutes avant d'en "
                "demander un autre, et pensez à regarder dans vos courriers indésirables."
            ),
            code="too_soon",
        )
    _mail_after_commit(user, now, partial(emails.verification_email_send, user.pk))


@transaction.atomic
def user_verify_email(*, token: str) -> User:
    """Mark the address of the token's user as verified (idempotent).

    Raises AccountError with code "expired" or "invalid" (tampered, or for an address the
    account no longer has).
    """
    try:
        claim = email_verification_token_read(token)
    except VerificationTokenExpired as exc:
        raise AccountError(
            _("Ce lien de vérification a expiré. Connectez-vous pour en demander un nouveau."),
            code="expired",
        ) from exc
    except VerificationTokenInvalid as exc:
        raise AccountError(
            _(
                "Ce lien de vérification n'est pas valide. Vérifiez qu'il a été copié en "
                "entier, ou connectez-vous pour en demander un nouveau."
            ),
            code="invalid",
        ) from exc
    user = User.objects.select_for_update().filter(pk=claim.user_id).first()
    if user is None or not claim.is_for(user.email):
        raise AccountError(
            _(
                "Ce lien de vérification n'est pas valide. Vérifiez qu'il a été copié en "
                "entier, ou connectez-vous pour en demander un nouveau."
            ),
            code="invalid",
        )
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user


@transaction.atomic
def api_token_create(
    *,
    user: User,
    name: str,
    expires_on: date | None = None,
    scope: str = ApiTokenScope.READ_WRITE,
) -> tuple[ApiToken, str]:
    """Create a personal API token; returns it with its plaintext, to show once.

    It expires on `expires_on`, at most PLANIA_API_TOKEN_MAX_DAYS from today (the
    default); `scope` is "read" or "read-write" (the account page offers "read" first).
    """
    name = name.strip()
    if not name:
        raise AccountError(_("Donnez un nom au jeton."), code="name_required")
    if len(name) > API_TOKEN_NAME_MAX:
        raise AccountError(
            _("Le nom d'un jeton fait au plus %(max)d caractères.") % {"max": API_TOKEN_NAME_MAX},
            code="name_too_long",
        )
    if scope not in ApiTokenScope.values:
        raise AccountError(
            _("Portée inconnue : « lecture seule » ou « lecture et écriture »."),
            code="scope_unknown",
        )
    today = timezone.localdate()
    latest = today + timedelta(days=api_token_max_days())
    if expires_on is not None and expires_on <= today:
        raise AccountError(
            _("La date d'expiration doit être postérieure à aujourd'hui."),
            code="expires_in_past",
        )
    if expires_on is not None and expires_on > latest:
        raise AccountError(
            _("Un jeton vit au plus %(days)d jours : choisissez une date d'expiration plus proche.")
            % {"days": api_token_max_days()},
            code="expires_too_late",
        )
    parts = api_token_generate()
    while ApiToken.objects.filter(key_prefix=parts.prefix).exists():  # 48 bits: rare
        parts = api_token_generate()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_prefix=parts.prefix,
        key_hash=parts.digest,
        expires_on=expires_on or latest,
        scope=scope,
    )
    return token, parts.plaintext


# Why PlanIA revokes a person's tokens on its own (ApiToken.revoked_reason).
REVOKED_PASSWORD = "password"
REVOKED_ROLE = "role"
REVOKED_MEMBERSHIP = "membership"


def revoke_api_tokens(user: User | int, reason: str) -> int:
    """Revoke every live token of a person, because their password changed or a role or
    company membership was removed (issue 13 item 9): a token made under the old password
    or the old rights must not outlive them. Returns how many were revoked. Called by the
    signal receivers of plania.security.revocation; any room may call it too.
    """
    user_id = user if isinstance(user, int) else user.pk
    if user_id is None:
        return 0
    return ApiToken.objects.filter(user_id=user_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason[:20]
    )


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke a token (idempotent). Its owner may, and whoever may delete tokens (admin)."""
    if actor.pk != token.user_id and not actor.has_perm("accounts.delete_apitoken"):
        raise AccountError(_("Vous ne pouvez révoquer que vos propres jetons."), code="not_owner")
    now = timezone.now()
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor
    )
    token.refresh_from_db(fields=["revoked_at", "revoked_by"])
    return token


def api_token_touch(*, token: ApiToken, now: datetime | None = None) -> None:
    """Record a use of the token, at most once a minute.

    The interval is checked before any transaction: most API calls must not write at all.
    The write itself is one conditional UPDATE, so concurrent requests do not pile up
    writes either.
    """
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < API_TOKEN_TOUCH_INTERVAL:
        return
    # One statement, atomic by itself: no BEGIN/COMMIT round trips around it.
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - API_TOKEN_TOUCH_INTERVAL)
    ).update(last_used_at=now)
    token.last_used_at = now
