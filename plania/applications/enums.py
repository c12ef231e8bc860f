from django.db import models
from django.utils.translation import gettext_lazy as _


class ApplicationState(models.TextChoices):
    """The states of a dossier (DESIGN.md section 6); the transitions are in workflow.py."""

    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Déposé")
    INCOMPLETE = "incomplete", _("Incomplet (pièces demandées)")
    UNDER_REVIEW = "under_review", _("En instruction")
    PROPOSED = "proposed", _("Proposé à la Commission permanente")
    APPROVED = "approved", _("Accordé")
    REJECTED = "rejected", _("Refusé")
    WITHDRAWN = "withdrawn", _("Retiré")
    AGREEMENT_SIGNED = "agreement_signed", _("Convention signée")
    IN_PAYMENT = "in_payment", _("En paiement")
    CLOSED = "closed", _("Clos")


# The applicant edits the dossier in these states: before submission, and when an officer
# has asked for missing items.
EDITABLE_STATES = frozenset({ApplicationState.DRAFT, ApplicationState.INCOMPLETE})


class CallStatus(models.TextChoices):
    UPCOMING = "upcoming", _("À venir")
    OPEN = "open", _("Ouvert")
    CLOSED = "closed", _("Clos")
