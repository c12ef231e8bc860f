from django.db import models
from django.utils.translation import gettext_lazy as _


class EntryKind(models.TextChoices):
    # Budget authority voted for the envelope (a revision is a new allocation, + or -).
    ALLOCATION = "allocation", _("Affectation")
    # Legal commitment (engagement) of an award.
    COMMITMENT = "commitment", _("Engagement")
    # Cancelling all or part of a commitment (dégagement).
    DECOMMITMENT = "decommitment", _("Dégagement")
    # Order to pay (mandatement) against a commitment.
    PAYMENT = "payment", _("Mandatement")
    # Money coming back (repayment of an advance, recovery of a grant).
    REPAYMENT = "repayment", _("Remboursement")
