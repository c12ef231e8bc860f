"""The rate limits' counters (plania.security.ratelimit)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RateCounter(models.Model):
    """Requests counted under one key ("<limit>:<digest of who>") in a window that starts
    with the first one and ends at `expires_at`. Written only by one INSERT ... ON CONFLICT
    statement (plania.security.ratelimit.hit): atomic, so processes never lose a count."""

    key = models.CharField(_("clé"), max_length=100, primary_key=True)
    count = models.PositiveIntegerField(_("nombre"))
    expires_at = models.DateTimeField(_("fin de la fenêtre"), db_index=True)

    class Meta:
        verbose_name = _("compteur de limite de débit")
        verbose_name_plural = _("compteurs de limite de débit")

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
