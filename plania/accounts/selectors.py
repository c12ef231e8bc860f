"""Reads on accounts."""

from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from plania.accounts.addresses import email_key
from plania.accounts.models import ApiToken, User
from plania.accounts.tokens import api_token_matches, api_token_prefix


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """A person's tokens, newest first (revoked ones included: they are history)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def api_token_for_plaintext(*, plaintext: str, today: date | None = None) -> ApiToken | None:
    """The usable token a presented secret stands for, with its user; None when the
    secret is unknown, wrong, revoked, expired or its user deactivated."""
    prefix = api_token_prefix(plaintext)
    if prefix is None:
        return None
    token = ApiToken.objects.select_related("user").filter(key_prefix=prefix).first()
    if token is None or not api_token_matches(plaintext, token.key_hash):
        return None
    if not token.is_usable_on(today or timezone.localdate()) or not token.user.is_active:
        return None
    return token


def user_by_email(email: str) -> User | None:
    """The account of an address, matched by its key (plania.accounts.addresses)."""
    return User.objects.filter(email_key=email_key(email)).first()


def user_for_login(login: str) -> User | None:
    """The account a typed login names: an address (by its key, as sign-up stored it),
    else a username (the admin's accounts made on the command line), exactly. One
    function for authentication (plania.accounts.backends) and the lock-out
    (plania.security.lockout), so that both always name the same account."""
    login = login.strip()
    if "@" in login:
        user = user_by_email(login)
        if user is not None:
            return user
    # An admin account whose username happens to contain "@" too.
    return User.objects.filter(username=login).first()
