"""One spelling of an e-mail address for matching (issue 13 item 7).

`email_key` is THE normalisation of an address, used by sign-up (one account per key),
authentication (plania.accounts.backends, through plania.accounts.selectors.user_for_login)
and the login lock-out (plania.security.lockout): Unicode NFKC, then case folding
(`str.casefold`), the comparison Unicode recommends for identifiers (UAX #31, and Django's
own password-reset form). Before it, authentication matched with PostgreSQL's UPPER() and
the lock-out counted with Python's lower(): "pılotage@" (dotless ı, U+0131) is "PILOTAGE@"
for UPPER() but another string for lower(), so the look-alike logged in past a lock-out
on the real address. Now both sides look up one stored column, `User.email_key`.

New addresses must be plain ASCII once NFKC-normalised (`lookalike_problem`): the simplest
rule that removes look-alikes whole (a Cyrillic "а", a dotless "ı", a Kelvin sign), where a
confusables list (Unicode TR39, the `confusable_homoglyphs` package) only flags strings that
mix scripts and needs its data kept up to date. It costs little: mailbox names outside
ASCII (RFC 6531) are rarely deliverable, and an accented domain has an ASCII form
("xn--..."). On ASCII, casefold, lower() and PostgreSQL's UPPER()/LOWER() all agree.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def email_key(address: str) -> str:
    """The key an address is matched by: trimmed, NFKC-normalised, case-folded."""
    return unicodedata.normalize("NFKC", address.strip()).casefold()


def lookalike_problem(address: str) -> str | None:
    """Why an address may not be used for a new account, or None when it may."""
    if not unicodedata.normalize("NFKC", address.strip()).isascii():
        return str(
            _(
                "Cette adresse contient des caractères hors de l'alphabet latin simple "
                "(lettre accentuée, lettre d'un autre alphabet ou qui imite une lettre "
                "latine, comme « ı » sans point). Pour qu'aucune adresse ne puisse se faire "
                "passer pour une autre, PlanIA n'accepte que les adresses écrites en "
                "caractères ASCII ; pour un nom de domaine accentué, utilisez sa forme "
                "« xn-- »."
            )
        )
    return None


def validate_new_address(address: str) -> None:
    """Raise ValidationError (code "lookalike") for an address refused at sign-up."""
    problem = lookalike_problem(address)
    if problem:
        raise ValidationError(problem, code="lookalike")
