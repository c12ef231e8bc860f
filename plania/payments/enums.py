"""Lines of an award's payment schedule; states of a payment request."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScheduleKind(models.TextChoices):
    ON_SIGNATURE = "on_signature", _("Avance à la signature de la convention")
    ON_FINAL_REPORT = "on_final_report", _("Solde sur rapport final")


class RequestState(models.TextChoices):
    REQUESTED = "requested", _("Demandé")
    CERTIFIED = "certified", _("Service fait certifié (liquidé)")
    ORDERED = "ordered", _("Mandaté")
    REFUSED = "refused", _("Refusé")
