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


class SignatureMethod(models.TextChoices):
    IN_APP = "in_app", _("Acceptation en ligne")
    UPLOAD = "upload", _("Convention signée déposée")
    NOT_REQUIRED = "not_required", _("Convention non obligatoire (23 000 € au plus)")


class ScheduleKind(models.TextChoices):
    ON_SIGNATURE = "on_signature", _("Avance à la signature de la convention")
    ON_FINAL_REPORT = "on_final_report", _("Solde sur rapport final")


class RequestState(models.TextChoices):
    REQUESTED = "requested", _("Demandé")
    CERTIFIED = "certified", _("Service fait certifié (liquidé)")
    ORDERED = "ordered", _("Mandaté")
    REFUSED = "refused", _("Refusé")


class DocumentKind(models.TextChoices):
    SIGNED_AGREEMENT = "signed_agreement", _("Convention signée")
    SUPPORTING = "supporting", _("Justificatif de dépenses")
    FINAL_REPORT = "final_report", _("Rapport final")


class RepaymentSource(models.TextChoices):
    MANUAL = "manual", _("Saisi")
    BANK_STATEMENT = "bank_statement", _("Relevé bancaire")


class LineStatus(models.TextChoices):
    MATCHED = "matched", _("Rapproché")
    DUPLICATE = "duplicate", _("Déjà importé")
    UNMATCHED = "unmatched", _("Non rapproché")
    REFUSED = "refused", _("Refusé")
