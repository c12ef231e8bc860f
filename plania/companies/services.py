"""Writes about companies: identification, manual entry, representatives (invitations,
mandates, ProConnect). SIRENE stock imports are in `plania.companies.sirene_import`.

Every refusal is a `CompanyError` whose message says, in the active language, what is
wrong and what to do; `field` tells a form or the API which input it is about.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files import File
from django.core.files.storage import storages
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from plania.companies import recherche_entreprises
from plania.companies.emails import invitation_send, mandate_decision_send
from plania.companies.enums import (
    CompanyCategory,
    DataSource,
    MandateStatus,
    MembershipRole,
    MembershipStatus,
    VerifiedVia,
)
from plania.companies.models import (
    Company,
    Invitation,
    Mandate,
    Membership,
)
from plania.companies.records import CompanyRecord
from plania.companies.reference import departement_from, size_bands
from plania.companies.selectors import sirene_record
from plania.core.grants import has_role

# The officers' role (plania.accounts.roles.Role.OFFICER; accounts sits above this room).
OFFICER_ROLE = "officer"

# Spaces people type or paste (plain, no-break, narrow no-break) and dots ("732.829.320").
_SEPARATORS = re.compile(r"[\s\u00a0\u202f.]+")
_NAF = re.compile(r"^\d{2}\.\d{2}[A-Z]$")


class CompanyError(Exception):
    """A refusal, with one message per field (`errors`); `code` says which kind:
    invalid, not_found, unavailable, ceased, exists, forbidden."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        field: str = "identifier",
        errors: dict[str, list[str]] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.errors = errors or {field: [message]}


@dataclass(frozen=True)
class Identification:
    company: Company
    membership: Membership
    company_created: bool
    membership_created: bool


# -- identifiers -----------------------------------------------------------------------


def parse_identifier(identifier: str) -> str:
    """The SIREN or SIRET typed, as digits; CompanyError saying how to fix it otherwise."""
    number = normalise_digits(identifier)
    if not number:
        raise CompanyError(
            _("Saisissez un numéro SIREN (9 chiffres) ou SIRET (14 chiffres)."), code="invalid"
        )
    if not (number.isascii() and number.isdigit()):
        raise CompanyError(
            _(
                "« %(value)s » n'est pas un numéro SIREN ou SIRET : saisissez 9 chiffres "
                "(SIREN) ou 14 chiffres (SIRET), les espaces sont permis."
            )
            % {"value": identifier.strip()[:40]},
            code="invalid",
        )
    if len(number) == 9:
        try:
            stdnum_siren.validate(number)
        except ValidationError:
            raise CompanyError(
                _(
                    "Le numéro SIREN %(number)s n'est pas valide (clé de contrôle) : un "
                    "chiffre est sans doute erroné ou deux chiffres sont inversés. Recopiez-le "
                    "depuis un extrait Kbis, un avis de situation Sirene ou une facture de "
                    "l'entreprise."
                )
                % {"number": number},
                code="invalid",
            ) from None
        return number
    if len(number) == 14:
        try:
            stdnum_siret.validate(number)
        except InvalidChecksum:
            raise CompanyError(
                _(
                    "Le numéro SIRET %(number)s n'est pas valide (clé de contrôle) : un "
                    "chiffre est sans doute erroné ou deux chiffres sont inversés. Recopiez-le "
                    "depuis un extrait Kbis, un avis de situation Sirene ou une facture, ou "
                    "saisissez seulement le SIREN (les 9 premiers chiffres)."
                )
                % {"number": number},
                code="invalid",
            ) from None
        except ValidationError:  # pragma: no cover - format and length checked above
            raise CompanyError(_("Numéro SIRET invalide."), code="invalid") from None
        return number
    raise CompanyError(
        _(
            "Le numéro saisi a %(count)s chiffres : un SIREN en a 9, un SIRET 14 (le SIREN "
            "suivi des 5 chiffres de l'établissement)."
        )
        % {"count": len(number)},
        code="invalid",
    )


def _check_siren(siren: str, field_name: str) -> str:
    number = normalise_digits(siren)
    if len(number) != 9 or not (number.isascii() and number.isdigit()):
        raise CompanyError(
            _("Un SIREN a 9 chiffres (les espaces sont permis)."),
            code="invalid",
            field=field_name,
        )
    try:
        stdnum_siren.validate(number)
    except ValidationError:
        raise CompanyError(
            _(
                "Le numéro SIREN %(number)s n'est pas valide (clé de contrôle) : un "
                "chiffre est sans doute erroné ou deux chiffres sont inversés. Recopiez-le "
                "depuis un extrait Kbis, un avis de situation Sirene ou une facture de "
                "l'entreprise."
            )
            % {"number": number},
            code="invalid",
            field=field_name,
        ) from None
    return number


# -- identification ------------------------------------------------------------------


def _lookup(siren: str) -> CompanyRecord:
    record = sirene_record(siren)
    if record is not None:
        return record
    if not recherche_entreprises.enabled():
        raise CompanyError(
            _(
                "Aucune entreprise avec le SIREN %(siren)s dans le répertoire Sirene de "
                "PlanIA. Vérifiez le numéro ; si l'entreprise est toute récente, saisissez ses "
                "informations à la main : elle sera marquée « non vérifiée » jusqu'au "
                "contrôle d'un instructeur."
            )
            % {"siren": siren},
            code="not_found",
        )
    try:
        record = recherche_entreprises.fetch_company(siren)
    except recherche_entreprises.ApiUnavailable:
        raise CompanyError(
            _(
                "Le SIREN %(siren)s n'est pas dans le répertoire Sirene de PlanIA et le service "
                "de recherche d'entreprises ne répond pas pour le moment. Réessayez dans "
                "quelques minutes, ou saisissez les informations de l'entreprise à la main : "
                "elle sera marquée « non vérifiée »."
            )
            % {"siren": siren},
            code="unavailable",
        ) from None
    if record is None:
        raise CompanyError(
            _(
                "Aucune entreprise avec le SIREN %(siren)s, ni dans le répertoire Sirene de "
                "PlanIA ni dans l'annuaire des entreprises. Vérifiez le numéro ; si "
                "l'entreprise est toute récente, saisissez ses informations à la main : elle "
                "sera marquée « non vérifiée » jusqu'au contrôle d'un instructeur."
            )
            % {"siren": siren},
            code="not_found",
        )
    return record


def _ceased(record: CompanyRecord) -> CompanyError:
    return CompanyError(
        _(
            "L'entreprise %(name)s (SIREN %(siren)s) est cessée selon le répertoire Sirene : "
            "une entreprise cessée ne peut pas demander d'aide. Si son activité a repris, sa "
            "situation doit d'abord être mise à jour auprès de l'INSEE (par le guichet unique "
            "des formalités d'entreprises) ; identifiez-la de nouveau ensuite."
        )
        % {"name": record.name or "—", "siren": record.siren},
        code="ceased",
    )


def _locked_company(siren: str, defaults: dict[str, Any]) -> tuple[Company, bool]:
    """The company row of `siren`, locked for this transaction, created if absent.

    Two people identifying the same new company at once: one insert wins, the other
    meets the unique index, and takes the winner's row instead.
    """
    company = Company.objects.select_for_update().filter(siren=siren).first()
    if company is not None:
        return company, False
    try:
        with transaction.atomic():
            return Company.objects.create(siren=siren, **defaults), True
    except IntegrityError:
        return Company.objects.select_for_update().get(siren=siren), False


def _record_fields(record: CompanyRecord, now: Any) -> dict[str, Any]:
    return {
        "name": record.name[:255] or record.siren,
        "creation_date": record.creation_date,
        "naf_code": record.naf_code,
        "size_band": record.size_band if record.size_band in size_bands() else "",
        "category": record.category if record.category in CompanyCategory.values else "",
        "legal_category": record.legal_category,
        "head_office_siret": record.head_office_siret
        if record.head_office_siret.startswith(record.siren)
        else "",
        "postcode": record.postcode,
        "departement": record.departement,
        "active": record.active,
        "verified": True,
        "data_source": record.data_source,
        "refreshed_at": now,
    }


def _join(company: Company, actor: Any) -> tuple[Membership, bool]:
    """The actor's membership of `company` (the company row is locked by the caller).

    Nobody becomes a representative by being first: a SIREN is public, so identifying a
    company only files a request (pending). It lets its person prepare drafts of their own
    for the company, and nothing else, until they are verified (ProConnect, a mandate an
    officer accepts, or a verified representative's invitation or acceptance).
    """
    existing = Membership.objects.filter(company=company, user=actor).first()
    if existing is not None:
        return existing, False
    membership = Membership.objects.create(
        company=company, user=actor, role=MembershipRole.MEMBER, status=MembershipStatus.PENDING
    )
    return membership, True


def company_identify(*, identifier: str, actor: Any) -> Identification:
    """Identify a company by SIREN or SIRET, copy its data into PlanIA and link the actor.

    The local SIRENE store first; the recherche-entreprises API when enabled and the store
    has no match (called outside any transaction: no lock is held while waiting on it).
    A ceased company is refused (and an existing Company row is marked inactive).
    """
    siren = parse_identifier(identifier)[:9]
    record = _lookup(siren)
    now = timezone.now()
    if not record.active:
        Company.objects.filter(siren=siren, active=True).update(active=False, refreshed_at=now)
        raise _ceased(record)
    fields = _record_fields(record, now)
    with transaction.atomic():
        company, created = _locked_company(siren, fields)
        if not created:
            for name, value in fields.items():
                setattr(company, name, value)
            company.save()
        membership, joined = _join(company, actor)
    return Identification(company, membership, created, joined)


def normalise_digits(value: str) -> str:
    """What was typed without the spaces and dots people put in numbers."""
    return _SEPARATORS.sub("", value or "")


def _manual_entry(
    *,
    siren: str,
    name: str,
    creation_date: date | None,
    postcode: str,
    naf_code: str = "",
    size_band: str = "",
    category: str = "",
) -> tuple[dict[str, list[str]], dict[str, Any]]:
    """The problems of a manual entry, field by field, and the cleaned values."""
    errors: dict[str, list[str]] = {}

    def problem(field_name: str, message: str) -> None:
        errors.setdefault(field_name, []).append(message)

    number = ""
    try:
        number = _check_siren(siren, "siren")
    except CompanyError as exc:
        problem("siren", exc.message)
    name = (name or "").strip()
    if not name:
        problem("name", _("Indiquez la dénomination de l'entreprise."))
    elif len(name) > 255:
        problem("name", _("La dénomination tient en 255 caractères au plus."))
    if creation_date is None:
        problem("creation_date", _("Indiquez la date de création de l'entreprise."))
    elif creation_date > timezone.localdate():
        problem("creation_date", _("La date de création ne peut pas être dans le futur."))
    elif creation_date.year < 1800:
        problem("creation_date", _("Cette date de création n'est pas plausible."))
    postcode = normalise_digits(postcode)
    if len(postcode) != 5 or not (postcode.isascii() and postcode.isdigit()):
        problem("postcode", _("Le code postal a 5 chiffres (par exemple 31000)."))
    naf_code = (naf_code or "").strip().upper()
    if naf_code and not _NAF.match(naf_code):
        problem(
            "naf_code",
            _(
                "Le code NAF s'écrit comme 62.01Z : deux chiffres, un point, deux chiffres, "
                "une lettre."
            ),
        )
    if size_band and size_band not in size_bands():
        problem("size_band", _("Tranche d'effectif inconnue."))
    if category and category not in CompanyCategory.values:
        problem("category", _("Catégorie d'entreprise inconnue (PME, ETI ou GE)."))
    if number and sirene_record(number) is not None:
        problem(
            "siren",
            _(
                "Le SIREN %(siren)s figure dans le répertoire Sirene : identifiez l'entreprise "
                "par ce numéro, ses informations seront reprises du répertoire."
            )
            % {"siren": number},
        )
    cleaned = {
        "siren": number,
        "name": name,
        "creation_date": creation_date,
        "postcode": postcode,
        "naf_code": naf_code,
        "size_band": size_band or "",
        "category": category or "",
    }
    return errors, cleaned


def manual_entry_errors(**fields: Any) -> dict[str, list[str]]:
    """The problems `company_create_unverified` would report for these fields (no write)."""
    return _manual_entry(**fields)[0]


def company_create_unverified(
    *,
    actor: Any,
    siren: str,
    name: str,
    creation_date: date | None,
    postcode: str,
    naf_code: str = "",
    size_band: str = "",
    category: str = "",
) -> Identification:
    """Manual entry of a company the store and the API do not know; flagged unverified.

    Every field problem is reported at once (CompanyError.errors). A SIREN the store
    knows is refused (identify it instead: its data then comes from SIRENE). A SIREN
    already in PlanIA keeps its data: the actor asks to join it, as with identification.
    """
    errors, cleaned = _manual_entry(
        siren=siren,
        name=name,
        creation_date=creation_date,
        postcode=postcode,
        naf_code=naf_code,
        size_band=size_band,
        category=category,
    )
    if errors:
        first_field = next(iter(errors))
        raise CompanyError(errors[first_field][0], code="invalid", field=first_field, errors=errors)
    number = cleaned.pop("siren")
    fields = {
        **cleaned,
        "legal_category": "",
        "head_office_siret": "",
        "departement": departement_from(postcode=cleaned["postcode"]),
        "active": True,
        "verified": False,
        "data_source": DataSource.MANUAL,
        "refreshed_at": timezone.now(),
        "created_by": actor,
    }
    with transaction.atomic():
        company, created = _locked_company(number, fields)
        membership, joined = _join(company, actor)
    return Identification(company, membership, created, joined)


def _is_owner(company_id: int, actor: Any) -> bool:
    return Membership.objects.filter(
        company_id=company_id,
        user=actor,
        role=MembershipRole.OWNER,
        status=MembershipStatus.ACTIVE,
    ).exists()


def representative_verify(
    *, company: Company, user: Any, via: str, actor: Any | None, role: str = MembershipRole.OWNER
) -> Membership:
    """Make `user` a verified representative of `company` (creating the membership or
    upgrading a pending one). `via` says how (VerifiedVia); `actor` who verified (None for
    ProConnect: the identity provider did). An owner stays an owner."""
    if via not in VerifiedVia.values:
        raise ValueError(f"unknown verification {via!r}")
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update().filter(company=company, user=user).first()
        )
        if membership is None:
            membership = Membership(company=company, user=user)
        elif membership.status == MembershipStatus.ACTIVE:
            if role == MembershipRole.OWNER and membership.role != MembershipRole.OWNER:
                membership.role = MembershipRole.OWNER
                membership.save(update_fields=["role"])
            return membership
        membership.role = role
        membership.status = MembershipStatus.ACTIVE
        membership.verified_via = via
        membership.approved_at = timezone.now()
        membership.approved_by = actor
        membership.save()
    return membership


def membership_approve(*, membership: Membership, actor: Any) -> Membership:
    """A verified owner accepts a pending request to act for their company."""
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if not _is_owner(membership.company_id, actor):
            raise CompanyError(
                _("Seul un propriétaire de l'entreprise peut accepter un membre."),
                code="forbidden",
                field="membership",
            )
        if membership.status == MembershipStatus.ACTIVE:
            return membership
        return representative_verify(
            company=membership.company,
            user=membership.user,
            via=VerifiedVia.INVITATION,
            actor=actor,
            role=MembershipRole.MEMBER,
        )


# -- invitations ---------------------------------------------------------------------

INVITATION_DAYS = 30


def _same_address(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def invitation_create(*, company: Company, email: str, actor: Any) -> Invitation:
    """A verified owner invites `email` to act for `company` (mailed after commit)."""
    email = (email or "").strip()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise CompanyError(
            _("Saisissez une adresse e-mail valide, par exemple prenom.nom@entreprise.fr."),
            code="invalid",
            field="email",
        ) from None
    with transaction.atomic():
        Company.objects.select_for_update().filter(pk=company.pk).first()
        if not _is_owner(company.pk, actor):
            raise CompanyError(
                _("Seul un représentant vérifié de l'entreprise peut inviter une personne."),
                code="forbidden",
                field="email",
            )
        already = Membership.objects.filter(
            company=company, user__email__iexact=email, status=MembershipStatus.ACTIVE
        ).exists()
        if already:
            raise CompanyError(
                _("%(email)s représente déjà l'entreprise.") % {"email": email},
                code="exists",
                field="email",
            )
        invitation = Invitation.objects.create(
            company=company,
            email=email,
            invited_by=actor,
            expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        )
        transaction.on_commit(lambda: invitation_send(invitation.pk))
    return invitation


def invitation_accept(*, invitation: Invitation, actor: Any) -> Membership:
    """The invitee, signed in with the invited (verified) address, accepts."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not getattr(actor, "email_verified", False) or not _same_address(
            invitation.email, actor.email
        ):
            raise CompanyError(
                _(
                    "Cette invitation est adressée à une autre adresse e-mail : connectez-vous "
                    "avec le compte de l'adresse invitée."
                ),
                code="forbidden",
                field="invitation",
            )
        if invitation.accepted_at is not None:
            raise CompanyError(
                _("Cette invitation a déjà été acceptée."), code="exists", field="invitation"
            )
        if invitation.expires_at <= timezone.now():
            raise CompanyError(
                _(
                    "Cette invitation a expiré : demandez à la personne qui vous a invité·e de "
                    "vous inviter de nouveau."
                ),
                code="invalid",
                field="invitation",
            )
        if not _is_owner(invitation.company_id, invitation.invited_by):
            raise CompanyError(
                _(
                    "La personne qui vous a invité·e ne représente plus l'entreprise : "
                    "cette invitation n'est plus valable."
                ),
                code="forbidden",
                field="invitation",
            )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = actor
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        return representative_verify(
            company=invitation.company,
            user=actor,
            via=VerifiedVia.INVITATION,
            actor=invitation.invited_by,
            role=MembershipRole.MEMBER,
        )


# -- mandates ("pouvoirs") -----------------------------------------------------------


def mandate_submit(
    *,
    company: Company,
    actor: Any,
    fileobj: Any,
    original_name: str,
    content_type: str,
    size: int,
    sha256: str,
) -> Mandate:
    """File a mandate for a company the actor asked to represent. The caller checked the
    file (plania.documents' upload rules: size, type by content) and that it is a PDF."""
    if not Membership.objects.filter(company=company, user=actor).exists():
        raise CompanyError(
            _("Identifiez d'abord l'entreprise par son SIREN, puis déposez le pouvoir."),
            code="forbidden",
            field="file",
        )
    if Membership.objects.filter(
        company=company, user=actor, status=MembershipStatus.ACTIVE
    ).exists():
        raise CompanyError(
            _("Vous représentez déjà cette entreprise : aucun pouvoir n'est nécessaire."),
            code="exists",
            field="file",
        )
    if Mandate.objects.filter(company=company, user=actor, status=MandateStatus.PENDING).exists():
        raise CompanyError(
            _(
                "Un pouvoir est déjà en attente d'examen pour cette entreprise : un "
                "instructeur l'examinera ; vous serez prévenu·e par e-mail."
            ),
            code="exists",
            field="file",
        )
    storage = storages["private"]
    name = f"mandates/{secrets.token_hex(16)}"
    fileobj.seek(0)
    stored = storage.save(name, File(fileobj, name=name))
    try:
        with transaction.atomic():
            mandate = Mandate.objects.create(
                user=actor,
                company=company,
                stored_name=stored,
                original_name=original_name[:255],
                content_type=content_type,
                size=size,
                sha256=sha256,
            )
    except Exception:
        storage.delete(stored)
        raise
    return mandate


def mandate_decide(*, mandate: Mandate, actor: Any, accept: bool, reason: str = "") -> Mandate:
    """An officer accepts a pending mandate (its person becomes a verified representative)
    or refuses it with a reason; the person is told by e-mail after commit.

    The officer role is checked here too (plania.core.grants: the role's group, not the
    staff flag, which other roles and the Region's other agents share)."""
    if not has_role(actor, OFFICER_ROLE):
        raise CompanyError(
            _("Seul un instructeur peut examiner un pouvoir."), code="forbidden", field="reason"
        )
    reason = (reason or "").strip()
    if not accept and not reason:
        raise CompanyError(
            _("Indiquez le motif du refus : la personne le lira pour savoir quoi corriger."),
            code="invalid",
            field="reason",
        )
    with transaction.atomic():
        mandate = Mandate.objects.select_for_update().get(pk=mandate.pk)
        if mandate.status != MandateStatus.PENDING:
            raise CompanyError(_("Ce pouvoir a déjà été examiné."), code="exists", field="reason")
        mandate.status = MandateStatus.ACCEPTED if accept else MandateStatus.REFUSED
        mandate.reason = reason
        mandate.decided_at = timezone.now()
        mandate.decided_by = actor
        mandate.save(update_fields=["status", "reason", "decided_at", "decided_by"])
        if accept:
            representative_verify(
                company=mandate.company, user=mandate.user, via=VerifiedVia.MANDATE, actor=actor
            )
        pk = mandate.pk
        transaction.on_commit(lambda: mandate_decision_send(pk))
    return mandate


# -- ProConnect ----------------------------------------------------------------------


def representative_from_proconnect(*, user: Any, siret: str) -> Membership:
    """`user` signed in with ProConnect, whose claims carry their organisation's SIRET:
    they become a verified representative of that company (SIREN: the first 9 digits),
    copied from the SIRENE store (or the API) when PlanIA does not know it yet."""
    number = parse_identifier(siret)
    siren = number[:9]
    company = Company.objects.filter(siren=siren).first()
    if company is None:
        record = _lookup(siren)
        if not record.active:
            raise _ceased(record)
        with transaction.atomic():
            company, _created = _locked_company(siren, _record_fields(record, timezone.now()))
    elif not company.active:
        raise CompanyError(
            _(
                "L'entreprise %(name)s (SIREN %(siren)s) est cessée selon le répertoire "
                "Sirene : une entreprise cessée ne peut pas demander d'aide."
            )
            % {"name": company.name, "siren": company.siren},
            code="ceased",
        )
    return representative_verify(company=company, user=user, via=VerifiedVia.PROCONNECT, actor=None)
