"""Reads: the local SIRENE store, and the companies a person may see."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from plania.companies.enums import (
    DataSource,
    EstablishmentState,
    MandateStatus,
    MembershipStatus,
    UnitState,
)
from plania.companies.models import (
    Company,
    Invitation,
    Mandate,
    Membership,
    SireneEstablishment,
    SireneUnit,
)
from plania.companies.records import CompanyRecord
from plania.companies.reference import departement_from


def sirene_head_office(unit: SireneUnit) -> SireneEstablishment | None:
    """The unit's head office in the store, None when the establishments file was not
    imported (the company is then identified without an address).

    The establishment flagged etablissementSiege wins (an active one before a closed one:
    after a move INSEE keeps the old head office, closed); failing that, the one whose
    NIC is the unit's nicSiegeUniteLegale.
    """
    candidates = SireneEstablishment.objects.filter(siren=unit.siren).filter(
        Q(is_head_office=True) | Q(siret=unit.head_office_siret or "-")
    )

    def rank(e: SireneEstablishment) -> tuple[bool, bool, str]:
        return (not e.is_head_office, e.state != EstablishmentState.ACTIVE, e.siret)

    return min(candidates, key=rank, default=None)


def sirene_record(siren: str) -> CompanyRecord | None:
    """The company of `siren` as the local SIRENE store knows it, or None."""
    unit = SireneUnit.objects.filter(siren=siren).first()
    if unit is None:
        return None
    head = sirene_head_office(unit)
    return CompanyRecord(
        siren=unit.siren,
        name=unit.name,
        creation_date=unit.creation_date,
        naf_code=unit.naf_code,
        size_band=unit.size_band,
        category=unit.category,
        legal_category=unit.legal_category,
        head_office_siret=head.siret if head else unit.head_office_siret,
        postcode=head.postcode if head else "",
        departement=departement_from(commune=head.commune_code, postcode=head.postcode)
        if head
        else "",
        active=unit.state == UnitState.ACTIVE,
        data_source=DataSource.SIRENE_STOCK,
    )


def memberships_of(user) -> QuerySet[Membership]:  # type: ignore[no-untyped-def]
    """All of a person's memberships (active and pending), with their companies."""
    return (
        Membership.objects.filter(user=user)
        .select_related("company")
        .order_by("company__name", "company__siren")
    )


def companies_of(user) -> QuerySet[Company]:  # type: ignore[no-untyped-def]
    """The companies a person is a verified representative of: the only queryset views
    and the API fetch a company's pages, dossiers and awards from."""
    if not getattr(user, "is_authenticated", False):
        return Company.objects.none()
    return Company.objects.filter(
        memberships__user=user, memberships__status=MembershipStatus.ACTIVE
    )


def pending_requests(company: Company) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(company=company, status=MembershipStatus.PENDING)
        .select_related("user")
        .order_by("created_at")
    )


def companies_for_drafts(user) -> QuerySet[Company]:  # type: ignore[no-untyped-def]
    """The companies a person may start a draft for: those they represent, and those they
    asked to represent (pending: the draft stays theirs alone until they are verified)."""
    if not getattr(user, "is_authenticated", False):
        return Company.objects.none()
    return Company.objects.filter(memberships__user=user)


def is_representative(user, company_id: int) -> bool:  # type: ignore[no-untyped-def]
    """Whether `user` is a verified representative of the company."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Membership.objects.filter(
        user=user, company_id=company_id, status=MembershipStatus.ACTIVE
    ).exists()


def pending_mandates() -> QuerySet[Mandate]:
    """Mandates waiting for an officer, the oldest first."""
    return (
        Mandate.objects.filter(status=MandateStatus.PENDING)
        .select_related("user", "company")
        .order_by("submitted_at", "pk")
    )


def mandates_of(user) -> QuerySet[Mandate]:  # type: ignore[no-untyped-def]
    return Mandate.objects.filter(user=user).select_related("company").order_by("-submitted_at")


def invitations_for(user) -> QuerySet[Invitation]:  # type: ignore[no-untyped-def]
    """Open invitations addressed to the person's verified address."""
    if not getattr(user, "is_authenticated", False) or not user.email_verified:
        return Invitation.objects.none()
    return (
        Invitation.objects.filter(
            email__iexact=user.email, accepted_at__isnull=True, expires_at__gt=timezone.now()
        )
        .exclude(company__in=companies_of(user))
        .select_related("company", "invited_by")
    )
