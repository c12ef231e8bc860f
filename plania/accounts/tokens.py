"""The secrets PlanIA hands out: e-mail verification links and personal API tokens.

Verification links are signed with the project's SECRET_KEY (django.core.signing) and
carry the user id, a digest of the address being verified (not the address itself: links
end up in logs) and a timestamp: a link expires after settings.PLANIA_EMAIL_VERIFICATION_DAYS
and stops working if the address changes.

API tokens look like `plania_<prefix>_<secret>`: the prefix (12 hex digits) finds the
row, the SHA-256 of the whole token, compared in constant time, proves the secret
(256 bits of entropy, so a plain fast hash is the right tool, as for GitHub's tokens).
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing

EMAIL_VERIFICATION_SALT = "plania.accounts.email-verification"
API_TOKEN_SCHEME = "plania"
API_TOKEN_PREFIX_BYTES = 6  # 12 hex digits
API_TOKEN_SECRET_BYTES = 32


class VerificationTokenExpired(Exception):
    pass


class VerificationTokenInvalid(Exception):
    pass


@dataclass(frozen=True)
class VerificationClaim:
    user_id: int
    email_digest: str

    def is_for(self, email: str) -> bool:
        return hmac.compare_digest(self.email_digest, _email_digest(email))


def _email_digest(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:20]


def email_verification_max_age() -> timedelta:
    return timedelta(days=getattr(settings, "PLANIA_EMAIL_VERIFICATION_DAYS", 3))


def email_verification_token_make(*, user_id: int, email: str) -> str:
    return signing.dumps({"u": user_id, "e": _email_digest(email)}, salt=EMAIL_VERIFICATION_SALT)


def email_verification_token_read(token: str) -> VerificationClaim:
    """The claim of a link, or VerificationTokenExpired / VerificationTokenInvalid."""
    try:
        payload = signing.loads(
            token, salt=EMAIL_VERIFICATION_SALT, max_age=email_verification_max_age()
        )
    except signing.SignatureExpired as exc:
        raise VerificationTokenExpired from exc
    except signing.BadSignature as exc:
        raise VerificationTokenInvalid from exc
    if not (
        isinstance(payload, dict)
        and isinstance(payload.get("u"), int)
        and isinstance(payload.get("e"), str)
    ):
        raise VerificationTokenInvalid
    return VerificationClaim(user_id=payload["u"], email_digest=payload["e"])


@dataclass(frozen=True)
class ApiTokenParts:
    prefix: str
    plaintext: str

    @property
    def digest(self) -> str:
        return api_token_digest(self.plaintext)


def api_token_generate() -> ApiTokenParts:
    prefix = secrets.token_hex(API_TOKEN_PREFIX_BYTES)
    secret = secrets.token_urlsafe(API_TOKEN_SECRET_BYTES)
    return ApiTokenParts(prefix=prefix, plaintext=f"{API_TOKEN_SCHEME}_{prefix}_{secret}")


def api_token_digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def api_token_prefix(plaintext: str) -> str | None:
    """The lookup prefix of a presented token, or None if it is not shaped like one."""
    scheme, _, rest = plaintext.partition("_")
    prefix, _, secret = rest.partition("_")
    if scheme != API_TOKEN_SCHEME or len(prefix) != API_TOKEN_PREFIX_BYTES * 2 or not secret:
        return None
    if any(c not in "0123456789abcdef" for c in prefix):
        return None
    return prefix


def api_token_matches(plaintext: str, digest: str) -> bool:
    return hmac.compare_digest(api_token_digest(plaintext), digest)
