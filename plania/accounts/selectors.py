"""Reads on accounts."""

from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

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
    return User.objects.filter(email__iexact=email.strip()).first()
