"""Where a repayment was recorded from; what became of a bank statement line."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RepaymentSource(models.TextChoices):
    MANUAL = "manual", _("Saisi")
    BANK_STATEMENT = "bank_statement", _("Relevé bancaire")


class LineStatus(models.TextChoices):
    MATCHED = "matched", _("Rapproché")
    DUPLICATE = "duplicate", _("Déjà importé")
    UNMATCHED = "unmatched", _("Non rapproché")
    REFUSED = "refused", _("Refusé")
