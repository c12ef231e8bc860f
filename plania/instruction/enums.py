from django.db import models
from django.utils.translation import gettext_lazy as _


class Recommendation(models.TextChoices):
    """What an officer (Review) or an expert (ExpertOpinion) recommends."""

    FAVOURABLE = "favourable", _("Avis favorable")
    UNFAVOURABLE = "unfavourable", _("Avis défavorable")
    ADJOURN = "adjourn", _("Ajournement")


class InvitationStatus(models.TextChoices):
    INVITED = "invited", _("Invité (déclaration d'intérêts attendue)")
    ACCEPTED = "accepted", _("Sans conflit d'intérêts (avis attendu)")
    CONFLICTED = "conflicted", _("En conflit d'intérêts")
    COMPLETED = "completed", _("Avis rendu")
    CANCELLED = "cancelled", _("Invitation annulée")


class ConflictStatus(models.TextChoices):
    NONE = "none", _("Aucun conflit d'intérêts")
    CONFLICTED = "conflicted", _("Conflit d'intérêts")


class LegalBasis(models.TextChoices):
    """The rules core's legal bases (plania.rules.award.LegalBasis)."""

    GBER_ART22 = "gber_art22", _("RGEC (UE) 651/2014, art. 22 — aide aux jeunes pousses")
    DE_MINIMIS = "de_minimis", _("Règlement de minimis (UE) 2023/2831")
