"""States of an award; legal bases of an award (also a proposal's, a decision's)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AwardState(models.TextChoices):
    """An award's states mirror the dossier's from "approved" on (DESIGN.md section 6);
    a direct award has no dossier, so the award carries them itself (awards.workflow)."""

    APPROVED = "approved", _("Accordée")
    AGREEMENT_SIGNED = "agreement_signed", _("Convention signée")
    IN_PAYMENT = "in_payment", _("En paiement")
    CLOSED = "closed", _("Close")


class LegalBasis(models.TextChoices):
    GBER_ART22 = "gber_art22", _("RGEC (UE) 651/2014, art. 22 — aide aux jeunes pousses")
    GBER_ART28 = "gber_art28", _("RGEC (UE) 651/2014, art. 28 — aide à l'innovation des PME")
    DE_MINIMIS = "de_minimis", _("Règlement de minimis (UE) 2023/2831")
    NOT_STATE_AID = (
        "not_state_aid",
        _("Hors aide d'État (activité non économique d'un organisme de recherche ou de formation)"),
    )
    OTHER = "other", _("Autre base (précisée dans la délibération)")
