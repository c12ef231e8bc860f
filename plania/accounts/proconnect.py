"""ProConnect: the State's OpenID Connect identity for professionals (mozilla-django-oidc).

The authorization-code flow (with PKCE and a nonce) is mozilla-django-oidc's: PlanIA
only says who the person is. The id token and the userinfo answer are checked against
ProConnect's keys (RS256, its JWKS). The person is found by their e-mail address (one
account per address, whatever the case) or an account is created, its address taken as
verified (ProConnect verified it). Staff accounts never sign in this way: their log-in
keeps its password and second factor.

The claims carry the person's organisation `siret`: the backend leaves it in the session
(`SESSION_SIRET`), and the web callback (plania.web.accounts.proconnect) makes the person
a verified representative of that company (plania.companies; accounts does not import
it). Settings: PLANIA_PROCONNECT_* (docs/deploy.md); off when unset.
"""

from __future__ import annotations

import logging
from typing import Any

import jwt
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from plania.accounts.models import User

logger = logging.getLogger("plania.accounts")

SESSION_SIRET = "proconnect_siret"
SESSION_ERROR = "proconnect_error"


class ProConnectRefused(SuspiciousOperation):
    """A ProConnect identity PlanIA does not sign in; `code` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class ProConnectBackend(OIDCAuthenticationBackend):
    def _verify_jws(self, payload: Any, key: Any) -> dict[str, Any]:
        """The signed token (id token, userinfo) checked as mozilla-django-oidc does (the
        algorithm, the signature, the expiry), and also for whom and by whom it was made:
        its audience is PlanIA's client id and its issuer ProConnect."""
        try:
            algorithm = jwt.get_unverified_header(payload).get("alg")
            if algorithm != self.OIDC_RP_SIGN_ALGO:
                raise SuspiciousOperation("unexpected signing algorithm")
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.PLANIA_PROCONNECT_ISSUER,
            )
        except jwt.PyJWTError as exc:
            raise SuspiciousOperation(f"ProConnect token refused: {exc}") from None

    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        """mozilla-django-oidc's flow; a token it refuses (signature, audience, issuer,
        nonce, expiry) is a failed log-in with a message, not an error page."""
        try:
            return super().authenticate(request, **kwargs)
        except SuspiciousOperation as refused:
            logger.warning("ProConnect log-in refused: %s", refused)
            self._remember_error(getattr(refused, "code", "token"))
            return None

    def _remember_error(self, code: str) -> None:
        if getattr(self, "request", None) is not None:
            self.request.session[SESSION_ERROR] = code

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(str(claims.get("email") or "").strip())

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        email = str(claims.get("email") or "").strip()
        if not email:
            return User.objects.none()
        return User.objects.filter(email__iexact=email)

    def create_user(self, claims: dict[str, Any]) -> User:
        user = User.objects.create_user(
            self.get_username(claims),
            email=str(claims["email"]).strip(),
            first_name=str(claims.get("given_name") or "")[:150],
            last_name=str(claims.get("usual_name") or claims.get("family_name") or "")[:150],
        )
        # No password: this account signs in with ProConnect (or sets one by a reset).
        user.set_unusable_password()
        user.email_verified_at = timezone.now()
        user.save(update_fields=["password", "email_verified_at"])
        return user

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        if user.is_staff or user.is_superuser:
            raise ProConnectRefused("staff")
        if not user.is_active:
            raise ProConnectRefused("inactive")
        if user.email_verified_at is None:
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email_verified_at"])
        return user

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        self._claims: dict[str, Any] = {}
        try:
            user = super().get_or_create_user(access_token, id_token, payload)
        except ProConnectRefused as refused:
            self._remember_error(refused.code)
            raise
        if user is not None:
            self.request.session[SESSION_SIRET] = self._claims.get("siret", "")
        return user

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        claims = super().get_userinfo(access_token, id_token, payload)
        self._claims = {"siret": str(claims.get("siret") or "").strip()}
        return claims
