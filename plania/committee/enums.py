"""States of a committee session and outcomes of its decisions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SessionState(models.TextChoices):
    PLANNED = "planned", _("Prévue")
    HELD = "held", _("Tenue")


class Outcome(models.TextChoices):
    """The decision on one agenda item of a committee session."""

    PENDING = "pending", _("À décider")
    APPROVED = "approved", _("Accordée")
    REJECTED = "rejected", _("Refusée")
    ADJOURNED = "adjourned", _("Ajournée")
