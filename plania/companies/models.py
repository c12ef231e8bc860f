"""Companies: a local copy of the SIRENE register, and PlanIA's applicant companies.

- `SireneUnit` and `SireneEstablishment` hold what `plania import_sirene` read from INSEE's
  StockUniteLegale and StockEtablissement files (only the columns PlanIA uses; each field
  names its INSEE column). They are a cache of the register, upserted by each import,
  never edited by hand.
- `Company` is an applicant company as PlanIA knows it: copied from the store (or from the
  recherche-entreprises API) when someone identifies it, or typed by hand and then flagged
  unverified for officers.
- `Membership` says who acts for which company: a verified representative (status
  active, `verified_via` says how) or a pending request, which lets its person prepare
  drafts of their own and nothing more (docs/security.md, "Company representatives").
- `Mandate` is a "pouvoir" signed by a company's legal representative, uploaded by a
  person and accepted or refused by an officer.
- `Invitation` is a verified representative's invitation of a colleague by e-mail.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from plania.companies.enums import (
    CompanyCategory,
    DataSource,
    EstablishmentState,
    MandateStatus,
    MembershipRole,
    MembershipStatus,
    UnitState,
    VerifiedVia,
)
from plania.companies.reference import departement_from, size_band_label, size_bands


class SireneUnit(models.Model):
    """One row of StockUniteLegale (a legal unit, identified by its SIREN)."""

    siren = models.CharField(max_length=9, unique=True)  # siren
    creation_date = models.DateField(null=True, blank=True)  # dateCreationUniteLegale
    denomination = models.CharField(max_length=255, blank=True)  # denominationUniteLegale
    # A natural person (entrepreneur individuel) has no denomination but a name.
    last_name = models.CharField(max_length=100, blank=True)  # nomUniteLegale
    usage_name = models.CharField(max_length=100, blank=True)  # nomUsageUniteLegale
    first_name = models.CharField(max_length=100, blank=True)  # prenomUsuel or prenom1
    category = models.CharField(max_length=3, blank=True)  # categorieEntreprise
    naf_code = models.CharField(max_length=6, blank=True)  # activitePrincipaleUniteLegale
    size_band = models.CharField(max_length=2, blank=True)  # trancheEffectifsUniteLegale
    state = models.CharField(max_length=1, choices=UnitState.choices)  # etatAdministratif...
    legal_category = models.CharField(max_length=4, blank=True)  # categorieJuridique...
    head_office_nic = models.CharField(max_length=5, blank=True)  # nicSiegeUniteLegale
    imported_at = models.DateTimeField()

    class Meta:
        verbose_name = _("unité légale Sirene")
        verbose_name_plural = _("unités légales Sirene")
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("siren"), 9),
                name="sirene_unit_siren_nine_digits",
                violation_error_message=_("Un SIREN a 9 chiffres."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=UnitState.values),
                name="sirene_unit_state_known",
                violation_error_message=_("État administratif inconnu (A ou C)."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.siren} {self.name}"

    @property
    def name(self) -> str:
        if self.denomination:
            return self.denomination
        return " ".join(p for p in (self.first_name, self.usage_name or self.last_name) if p)

    @property
    def head_office_siret(self) -> str:
        return self.siren + self.head_office_nic if self.head_office_nic else ""


class SireneEstablishment(models.Model):
    """One row of StockEtablissement (an establishment, identified by its SIRET)."""

    siret = models.CharField(max_length=14, unique=True)  # siret
    siren = models.CharField(max_length=9, db_index=True)  # siren
    postcode = models.CharField(max_length=5, blank=True)  # codePostalEtablissement
    commune_code = models.CharField(max_length=5, blank=True)  # codeCommuneEtablissement
    is_head_office = models.BooleanField(default=False)  # etablissementSiege
    state = models.CharField(
        max_length=1, choices=EstablishmentState.choices
    )  # etatAdministratifEtablissement
    imported_at = models.DateTimeField()

    class Meta:
        verbose_name = _("établissement Sirene")
        verbose_name_plural = _("établissements Sirene")
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("siret"), 14),
                name="sirene_establishment_siret_fourteen_digits",
                violation_error_message=_("Un SIRET a 14 chiffres."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=EstablishmentState.values),
                name="sirene_establishment_state_known",
                violation_error_message=_("État administratif inconnu (A ou F)."),
            ),
        ]

    def __str__(self) -> str:
        return self.siret

    @property
    def departement(self) -> str:
        return departement_from(commune=self.commune_code, postcode=self.postcode)


class Company(models.Model):
    """An applicant company (legal unit), as PlanIA uses it for eligibility."""

    siren = models.CharField(_("SIREN"), max_length=9, unique=True)
    name = models.CharField(_("dénomination"), max_length=255)
    creation_date = models.DateField(_("date de création"), null=True, blank=True)
    naf_code = models.CharField(_("code NAF"), max_length=6, blank=True)
    size_band = models.CharField(
        _("tranche d'effectif"),
        max_length=2,
        blank=True,
        choices=sorted(size_bands().items()),
    )
    category = models.CharField(
        _("catégorie d'entreprise"), max_length=3, blank=True, choices=CompanyCategory.choices
    )
    legal_category = models.CharField(_("catégorie juridique"), max_length=4, blank=True)
    head_office_siret = models.CharField(_("SIRET du siège"), max_length=14, blank=True)
    postcode = models.CharField(_("code postal du siège"), max_length=5, blank=True)
    departement = models.CharField(_("département du siège"), max_length=3, blank=True)
    active = models.BooleanField(_("active"), default=True)
    # False when typed by hand: officers see it flagged "non vérifiée" until a check.
    verified = models.BooleanField(_("vérifiée"), default=False)
    data_source = models.CharField(_("source"), max_length=20, choices=DataSource.choices)
    refreshed_at = models.DateTimeField(_("données mises à jour le"))
    created_at = models.DateTimeField(auto_now_add=True)
    # Who typed a manual entry (for officers checking an unverified company).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["name", "siren"]
        verbose_name = _("entreprise")
        verbose_name_plural = _("entreprises")
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("siren"), 9),
                name="company_siren_nine_digits",
                violation_error_message=_("Un SIREN a 9 chiffres."),
            ),
            models.CheckConstraint(
                condition=Q(head_office_siret="") | Q(head_office_siret__startswith=F("siren")),
                name="company_head_office_siret_in_siren",
                violation_error_message=_("Le SIRET du siège commence par le SIREN."),
            ),
            models.CheckConstraint(
                condition=Q(data_source__in=DataSource.values),
                name="company_data_source_known",
                violation_error_message=_("Source des données inconnue."),
            ),
            models.CheckConstraint(
                condition=~Q(data_source=DataSource.MANUAL) | Q(verified=False),
                name="company_manual_entry_unverified",
                violation_error_message=_(
                    "Une entreprise saisie à la main ne peut pas être marquée vérifiée."
                ),
            ),
            models.CheckConstraint(
                condition=Q(size_band="") | Q(size_band__in=list(size_bands())),
                name="company_size_band_known",
                violation_error_message=_("Tranche d'effectif inconnue."),
            ),
            models.CheckConstraint(
                condition=Q(category="") | Q(category__in=CompanyCategory.values),
                name="company_category_known",
                violation_error_message=_("Catégorie d'entreprise inconnue (PME, ETI ou GE)."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.siren})"

    @property
    def size_band_label(self) -> str:
        return size_band_label(self.size_band)


class Membership(models.Model):
    # PROTECT: deleting a person's account never frees a company for the next comer (the
    # account is deactivated instead, plania.privacy).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("rôle"), max_length=10, choices=MembershipRole.choices)
    status = models.CharField(
        _("statut"),
        max_length=10,
        choices=MembershipStatus.choices,
        default=MembershipStatus.ACTIVE,
    )
    verified_via = models.CharField(
        _("vérifié par"), max_length=12, blank=True, choices=VerifiedVia.choices
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When and by whom the representative was verified.
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["company", "created_at"]
        verbose_name = _("membre d'une entreprise")
        verbose_name_plural = _("membres des entreprises")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "company"],
                name="membership_unique_per_user_and_company",
                violation_error_message=_("Cette personne est déjà membre de l'entreprise."),
            ),
            models.CheckConstraint(
                condition=Q(role__in=MembershipRole.values),
                name="membership_role_known",
                violation_error_message=_("Rôle inconnu (propriétaire ou membre)."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=MembershipStatus.values),
                name="membership_status_known",
                violation_error_message=_("Statut d'adhésion inconnu."),
            ),
            models.CheckConstraint(
                condition=~Q(role=MembershipRole.OWNER) | Q(status=MembershipStatus.ACTIVE),
                name="membership_owner_is_active",
                violation_error_message=_("Un propriétaire est toujours un membre actif."),
            ),
            models.CheckConstraint(
                condition=(Q(status=MembershipStatus.ACTIVE) & ~Q(verified_via=""))
                | (Q(status=MembershipStatus.PENDING) & Q(verified_via="")),
                name="membership_active_iff_verified",
                violation_error_message=_(
                    "Un représentant actif a été vérifié (ProConnect, pouvoir ou invitation) ; "
                    "une demande en attente ne l'est pas."
                ),
            ),
            models.CheckConstraint(
                condition=Q(verified_via__in=["", *VerifiedVia.values]),
                name="membership_verified_via_known",
                violation_error_message=_("Mode de vérification inconnu."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.company} ({self.role}, {self.status})"


class Mandate(models.Model):
    """A "pouvoir": the company's legal representative empowers `user` to act for it.

    The PDF lives in the private storage under a random name (checked on upload by
    plania.documents' rules); an officer accepts it (the person becomes a verified
    representative) or refuses it with a reason."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mandates"
    )
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="mandates")
    stored_name = models.CharField(max_length=255)
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(
        _("statut"), max_length=10, choices=MandateStatus.choices, default=MandateStatus.PENDING
    )
    reason = models.TextField(_("motif"), blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = _("pouvoir")
        verbose_name_plural = _("pouvoirs")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=MandateStatus.values),
                name="mandate_status_known",
                violation_error_message=_("Statut de pouvoir inconnu."),
            ),
            models.CheckConstraint(
                condition=~Q(status=MandateStatus.REFUSED) | ~Q(reason=""),
                name="mandate_refusal_has_reason",
                violation_error_message=_("Un refus indique son motif."),
            ),
            models.UniqueConstraint(
                fields=["user", "company"],
                condition=Q(status=MandateStatus.PENDING),
                name="mandate_one_pending_per_user_and_company",
                violation_error_message=_("Un pouvoir est déjà en attente pour cette entreprise."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.company} ({self.status})"


class Invitation(models.Model):
    """A verified representative invites someone, by e-mail, to act for the company. The
    invitee accepts it once signed in with that (verified) address."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("adresse e-mail"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.company}"
