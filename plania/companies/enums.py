from django.db import models
from django.utils.translation import gettext_lazy as _


class DataSource(models.TextChoices):
    """Where a company's data comes from (officers see it; only the first two are verified)."""

    SIRENE_STOCK = "sirene_stock", _("Répertoire Sirene (fichier stock INSEE)")
    API = "api", _("API Recherche d'entreprises")
    MANUAL = "manual", _("Saisie manuelle (non vérifiée)")


class UnitState(models.TextChoices):
    """etatAdministratifUniteLegale (INSEE): A active, C ceased."""

    ACTIVE = "A", _("Active")
    CEASED = "C", _("Cessée")


class EstablishmentState(models.TextChoices):
    """etatAdministratifEtablissement (INSEE): A active, F closed."""

    ACTIVE = "A", _("Actif")
    CLOSED = "F", _("Fermé")


class CompanyCategory(models.TextChoices):
    """categorieEntreprise (INSEE). Caveat: SIRENE's PME does not separate small from medium."""

    PME = "PME", _("PME")
    ETI = "ETI", _("ETI")
    GE = "GE", _("Grande entreprise")


class MembershipRole(models.TextChoices):
    # An owner (verified by ProConnect, a mandate or an administrator) invites others and
    # accepts their requests; a member (invited) acts for the company but does not.
    OWNER = "owner", _("Représentant·e")
    MEMBER = "member", _("Membre")


class MembershipStatus(models.TextChoices):
    # A SIREN is public: knowing it must not be enough to see a company's dossiers. Nobody
    # becomes a representative by being first: identifying a company only files a request
    # (pending), which lets the person prepare drafts of their own; a representative is
    # verified by ProConnect, by a mandate an officer accepted, or by another representative.
    ACTIVE = "active", _("Représentant·e vérifié·e")
    PENDING = "pending", _("Demande de rattachement en attente")


class VerifiedVia(models.TextChoices):
    """How a representative was verified (blank while the request is pending)."""

    PROCONNECT = "proconnect", _("ProConnect (SIRET de l'organisation)")
    MANDATE = "mandate", _("Pouvoir accepté par un instructeur")
    INVITATION = "invitation", _("Invitation ou accord d'un représentant")
    STAFF = "staff", _("Administrateur de PlanIA")


class MandateStatus(models.TextChoices):
    PENDING = "pending", _("En attente d'examen")
    ACCEPTED = "accepted", _("Accepté")
    REFUSED = "refused", _("Refusé")
