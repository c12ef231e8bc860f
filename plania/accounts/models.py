from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plania.accounts.addresses import email_key


class User(AbstractUser):
    """A person using PlanIA. Roles are Django groups (see plania.accounts.roles).

    People sign in with their e-mail address (plania.accounts.backends.EmailBackend);
    `username` stays for the admin and for accounts created on the command line.
    """

    email = models.EmailField(_("adresse e-mail"), unique=True)
    # The address as it is matched (plania.accounts.addresses.email_key: NFKC, casefold),
    # set from `email` on every save: login, lock-out and sign-up look this column up.
    email_key = models.CharField(
        _("clé de l'adresse e-mail"), max_length=254, unique=True, editable=False
    )
    # Set when the person follows the link mailed at sign-up; applicant features need it
    # (plania.accounts.decorators.require_verified_email).
    email_verified_at = models.DateTimeField(_("adresse vérifiée le"), null=True, blank=True)
    # The language of the e-mails PlanIA sends this person (a code of settings.LANGUAGES).
    language = models.CharField(_("langue"), max_length=8, default="fr")
    # When PlanIA last mailed this person about their account (verification link, or
    # someone signing up with their address): the services wait a little before sending
    # another, so that nobody can make PlanIA flood a mailbox.
    account_email_sent_at = models.DateTimeField(
        _("dernier message de compte envoyé le"), null=True, blank=True
    )

    class Meta(AbstractUser.Meta):
        constraints = [
            # "Camille@Example.org" and "camille@example.org" are one mailbox for people:
            # one account per address whatever the case.
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                violation_error_message=_("Un compte utilise déjà cette adresse e-mail."),
            ),
        ]

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def clean(self) -> None:
        super().clean()
        key = email_key(self.email or "")
        if key and User.objects.filter(email_key=key).exclude(pk=self.pk).exists():
            raise ValidationError(
                {"email": _("Un compte utilise déjà cette adresse e-mail.")}, code="unique"
            )

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email_key = email_key(self.email or "")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "email" in update_fields:
            kwargs["update_fields"] = {*update_fields, "email_key"}
        super().save(*args, **kwargs)


class ApiTokenScope(models.TextChoices):
    """What a token may do: read (GET, HEAD, OPTIONS), or read and write."""

    READ = "read", _("lecture seule")
    READ_WRITE = "read-write", _("lecture et écriture")


def api_token_max_days() -> int:
    """The longest a token lives, in days from its creation (PLANIA_API_TOKEN_MAX_DAYS)."""
    return int(getattr(settings, "PLANIA_API_TOKEN_MAX_DAYS", 90))


class ApiToken(models.Model):
    """A personal token for integrations: `Authorization: Bearer plania_<prefix>_<secret>`.

    Only the SHA-256 of the whole token is stored; `key_prefix` finds the row, the hash
    proves the secret. The plaintext is shown once, when the token is created.
    A token is usable until `expires_on` (excluded, Europe/Paris day), never past
    PLANIA_API_TOKEN_MAX_DAYS after its creation (tokens made before the limit had none),
    and until revoked: by its owner, by the admin, or by PlanIA when the password changes
    or a role or company membership is removed (plania.accounts.services.revoke_api_tokens).
    A "read" token is refused on every method that writes (plania.accounts.auth).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("utilisateur"),
    )
    name = models.CharField(_("nom"), max_length=100)
    key_prefix = models.CharField(_("préfixe"), max_length=16, unique=True)
    key_hash = models.CharField(_("empreinte SHA-256"), max_length=64)
    scope = models.CharField(
        _("portée"), max_length=10, choices=ApiTokenScope.choices, default=ApiTokenScope.READ
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)
    expires_on = models.DateField(_("expire le"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("révoqué par"),
    )
    # Why PlanIA revoked it on its own ("password", "role", "membership"); empty when a
    # person did.
    revoked_reason = models.CharField(_("motif de la révocation"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(key_hash__regex=r"^[0-9a-f]{64}$"),
                name="accounts_apitoken_hash_is_sha256_hex",
                violation_error_message=_("L'empreinte d'un jeton est un SHA-256 hexadécimal."),
            ),
            models.CheckConstraint(
                condition=models.Q(scope__in=ApiTokenScope.values),
                name="accounts_apitoken_scope_known",
                violation_error_message=_("Portée de jeton inconnue."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (plania_{self.key_prefix}_…)"

    @property
    def last_day(self) -> date:
        """The day the token stops working (excluded): its own date, or the maximum."""
        latest = timezone.localdate(self.created_at) + timedelta(days=api_token_max_days())
        return min(self.expires_on, latest) if self.expires_on else latest

    @property
    def writes(self) -> bool:
        return self.scope == ApiTokenScope.READ_WRITE

    def is_usable_on(self, day: date) -> bool:
        return self.revoked_at is None and day < self.last_day
