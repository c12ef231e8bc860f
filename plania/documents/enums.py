from django.db import models
from django.utils.translation import gettext_lazy as _


class AttachmentKind(models.TextChoices):
    """What a document is for. A short list: a scheme version may later require some of
    them (its rules name these values)."""

    BUSINESS_PLAN = "business_plan", _("Plan d'affaires")
    KBIS = "kbis", _("Extrait Kbis")
    FINANCIAL_STATEMENTS = "financial_statements", _("Comptes annuels")
    LAB_AGREEMENT = "lab_agreement", _("Accord de collaboration avec un laboratoire")
    BUDGET = "budget", _("Budget détaillé du projet")
    OTHER = "other", _("Autre document")
