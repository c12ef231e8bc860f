from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageKind(models.TextChoices):
    MESSAGE = "message", _("Message")
    REQUEST_MISSING = "request_missing", _("Demande de pièces manquantes")
    ANSWER = "answer", _("Réponse à une demande de pièces")


class Side(models.TextChoices):
    """Who speaks: the applicant company's members, or the Region's staff (officers)."""

    APPLICANT = "applicant", _("Porteur de projet")
    STAFF = "staff", _("Région")
