"""Writes about companies: identification, manual entry, membership, SIRENE imports.

Every refusal is a `CompanyError` whose message says, in the active language, what is
wrong and what to do; `field` tells a form or the API which input it is about.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.db import IntegrityError, reset_queries, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from plania.companies import recherche_entreprises
from plania.companies.enums import (
    CompanyCategory,
    DataSource,
    MembershipRole,
    MembershipStatus,
)
from plania.companies.models import Company, Membership, SireneEstablishment, SireneUnit
from plania.companies.records import CompanyRecord
from plania.companies.reference import departement_from, size_bands
from plania.companies.selectors import sirene_record
from plania.companies.sirene import (
    EstablishmentRow,
    Skip,
    UnitRow,
    check_stock,
    open_stock,
    read_establishments,
    read_units,
)

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

    The first person owns the company. A SIREN is public, so anyone after the first only
    asks to join: the membership stays pending until an owner accepts it.
    """
    existing = Membership.objects.filter(company=company, user=actor).first()
    if existing is not None:
        return existing, False
    if Membership.objects.filter(company=company, role=MembershipRole.OWNER).exists():
        role, status = MembershipRole.MEMBER, MembershipStatus.PENDING
    else:
        role, status = MembershipRole.OWNER, MembershipStatus.ACTIVE
    return Membership.objects.create(company=company, user=actor, role=role, status=status), True


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


def membership_approve(*, membership: Membership, actor: Any) -> Membership:
    """An owner accepts a pending request to join their company."""
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        is_owner = Membership.objects.filter(
            company_id=membership.company_id,
            user=actor,
            role=MembershipRole.OWNER,
            status=MembershipStatus.ACTIVE,
        ).exists()
        if not is_owner:
            raise CompanyError(
                _("Seul un propriétaire de l'entreprise peut accepter un membre."),
                code="forbidden",
                field="membership",
            )
        if membership.status == MembershipStatus.ACTIVE:
            return membership
        membership.status = MembershipStatus.ACTIVE
        membership.approved_at = timezone.now()
        membership.approved_by = actor
        membership.save(update_fields=["status", "approved_at", "approved_by"])
    return membership


# -- SIRENE stock imports ------------------------------------------------------------


@dataclass
class ImportStats:
    kind: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    skipped: int = 0
    skipped_by_reason: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def imported(self) -> int:
        return self.inserted + self.updated

    @property
    def rows_per_s(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "read": self.read,
            "inserted": self.inserted,
            "updated": self.updated,
            "skipped": self.skipped,
            "skipped_by_reason": dict(sorted(self.skipped_by_reason.items())),
            "seconds": round(self.seconds, 3),
            "rows_per_s": round(self.rows_per_s, 1),
        }


UNIT_UPDATE_FIELDS = [
    "creation_date",
    "denomination",
    "last_name",
    "usage_name",
    "first_name",
    "category",
    "naf_code",
    "size_band",
    "state",
    "legal_category",
    "head_office_nic",
    "imported_at",
]
ESTABLISHMENT_UPDATE_FIELDS = [
    "siren",
    "postcode",
    "commune_code",
    "is_head_office",
    "state",
    "imported_at",
]


def _unit(row: UnitRow, now: Any) -> SireneUnit:
    return SireneUnit(
        siren=row.siren,
        creation_date=row.creation_date,
        denomination=row.denomination,
        last_name=row.last_name,
        usage_name=row.usage_name,
        first_name=row.first_name,
        category=row.category,
        naf_code=row.naf_code,
        size_band=row.size_band,
        state=row.state,
        legal_category=row.legal_category,
        head_office_nic=row.head_office_nic,
        imported_at=now,
    )


def _establishment(row: EstablishmentRow, now: Any) -> SireneEstablishment:
    return SireneEstablishment(
        siret=row.siret,
        siren=row.siren,
        postcode=row.postcode,
        commune_code=row.commune_code,
        is_head_office=row.is_head_office,
        state=row.state,
        imported_at=now,
    )


def sirene_import(
    *,
    path: str | Path,
    kind: str,
    batch_size: int = 5000,
    on_skip: Callable[[Skip], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    check: bool = True,
) -> ImportStats:
    """Stream a StockUniteLegale (`kind="units"`) or StockEtablissement
    (`kind="establishments"`) file into the store, upserting by SIREN / SIRET.

    Two passes over the file. The first (`check_stock`, skipped with `check=False` when
    the caller has just run it) writes nothing and raises SireneFileError for what makes
    the whole file unusable: too large, a required column missing, a separator other
    than the comma, bytes that are not UTF-8, a record or a quoted field cut by the end
    of the file, a damaged zip. Such a file leaves the store exactly as it was, whatever
    line the problem is on. The second pass validates and writes: a record that fails
    validation (a bad SIREN, date, state...) is passed to `on_skip` with its line and
    not written, the others are.

    Why a check pass rather than one transaction around 28 million rows: a transaction
    that long would hold PostgreSQL's row locks and old row versions for the half hour of
    the import; the check pass reads
    about 400,000 rows a second (a minute for the full stock, against about 25 for the
    writes) and finds a bad file before anything is written.

    Memory is bounded by one batch: rows are read one at a time and written
    `batch_size` at a time (INSERT ... ON CONFLICT DO UPDATE), each batch in its own
    transaction, so an import interrupted during the second pass keeps what it wrote
    and can simply be run again (the upsert converges).
    """
    if kind == "units":
        reader, model, key = read_units, SireneUnit, "siren"
        build: Callable[[Any, Any], Any] = _unit
        update_fields = UNIT_UPDATE_FIELDS
    elif kind == "establishments":
        reader, model, key = read_establishments, SireneEstablishment, "siret"  # type: ignore[assignment]
        build = _establishment
        update_fields = ESTABLISHMENT_UPDATE_FIELDS
    else:  # pragma: no cover - programming error
        raise ValueError(kind)
    stats = ImportStats(kind=kind)
    started = time.perf_counter()
    now = timezone.now()
    batch: dict[str, Any] = {}
    pending_progress = 0

    def skip(item: Skip) -> None:
        stats.skipped += 1
        stats.skipped_by_reason[item.reason] += 1
        if on_skip is not None:
            on_skip(item)

    def flush() -> None:
        nonlocal pending_progress
        if batch:
            keys = list(batch)
            with transaction.atomic():
                existing = model.objects.filter(**{f"{key}__in": keys}).count()
                model.objects.bulk_create(
                    [build(row, now) for row in batch.values()],
                    update_conflicts=True,
                    unique_fields=[key],
                    update_fields=update_fields,
                )
            stats.updated += existing
            stats.inserted += len(keys) - existing
            batch.clear()
        # With DEBUG on, Django keeps every query's SQL: forget them, memory stays bounded.
        reset_queries()
        if on_progress is not None and pending_progress:
            on_progress(pending_progress)
        pending_progress = 0

    if check:
        check_stock(path, kind)
    with open_stock(path) as stream:
        for item in reader(stream):
            stats.read += 1
            pending_progress += 1
            if isinstance(item, Skip):
                skip(item)
                continue
            item_key = getattr(item, key)
            previous = batch.get(item_key)
            if previous is not None:
                # ON CONFLICT cannot touch one row twice in a statement; INSEE's stock has
                # one row per key, so a repeat is reported and the later row kept.
                skip(
                    Skip(
                        previous.line,
                        item_key,
                        "duplicate",
                        f"{key} repeated on line {item.line}; the later row is kept",
                    )
                )
            batch[item_key] = item
            if len(batch) >= batch_size:
                flush()
        flush()
    stats.seconds = time.perf_counter() - started
    return stats
