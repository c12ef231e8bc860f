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
    OWNER = "owner", _("Propriétaire")
    MEMBER = "member", _("Membre")


class MembershipStatus(models.TextChoices):
    # A SIREN is public: knowing it must not be enough to see a company's dossiers. The
    # first person to identify a company owns it; anyone after asks, and an owner accepts.
    ACTIVE = "active", _("Active")
    PENDING = "pending", _("En attente d'acceptation")
