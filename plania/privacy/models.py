"""Personal data (issue 7 item 6; docs/security.md "Personal data").

- `DossierView`: who opened a dossier's page (applicant or officer page, or the API
  detail), at most one row per person, dossier and minute (`services.dossier_view_record`).
- `DraftRetentionWarning`: the warning e-mail sent once before a draft never submitted is
  deleted by `plania purge_drafts`.

Both go with their dossier (CASCADE): a purged draft leaves nothing behind.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DossierView(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("consulté par"),
    )
    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.CASCADE,
        related_name="views",
        verbose_name=_("dossier"),
    )
    # Truncated to the minute: one row per person, dossier and minute.
    at = models.DateTimeField(_("consulté le"))

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("consultation d'un dossier")
        verbose_name_plural = _("consultations des dossiers")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "application", "at"], name="privacy_dossier_view_per_minute"
            ),
        ]
        indexes = [models.Index(fields=["application", "at"])]

    def __str__(self) -> str:
        return f"{self.application_id} {self.user_id} {self.at:%Y-%m-%d %H:%M}"


class DraftRetentionWarning(models.Model):
    application = models.OneToOneField(
        "applications.Application",
        on_delete=models.CASCADE,
        related_name="retention_warning",
        verbose_name=_("dossier"),
    )
    sent_at = models.DateTimeField(_("envoyé le"))

    class Meta:
        verbose_name = _("avertissement de suppression d'un brouillon")
        verbose_name_plural = _("avertissements de suppression des brouillons")

    def __str__(self) -> str:
        return f"{self.application_id} {self.sent_at:%Y-%m-%d}"
