"""How an agreement was signed; what an award's document is."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SignatureMethod(models.TextChoices):
    IN_APP = "in_app", _("Acceptation en ligne")
    UPLOAD = "upload", _("Convention signée déposée")
    NOT_REQUIRED = "not_required", _("Convention non obligatoire (23 000 € au plus)")


class DocumentKind(models.TextChoices):
    SIGNED_AGREEMENT = "signed_agreement", _("Convention signée")
    SUPPORTING = "supporting", _("Justificatif de dépenses")
    FINAL_REPORT = "final_report", _("Rapport final")
