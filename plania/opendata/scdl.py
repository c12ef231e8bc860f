"""The awards as SCDL "subventions" v2.1.1 rows (plania/data/opendata/scdl-subventions-schema.json).

Which awards (loi 2000-321 art. 10, décret 2017-779, DOMAIN.md "Open data"):
- an award whose agreement is signed (the three months run from the signature; before
  it there is no `dateConvention` to publish), and
- its total (grant + advance) is above EUR 23,000 (PLANIA_AGREEMENT_THRESHOLD), or the
  awards to the same beneficiary (same SIREN: a legal person, whatever the establishment)
  decided within one 12-month window add up to more than EUR 23,000: then every award in
  that window is published, the small ones included.
- awards without any grant (advance only) are loans, not subventions: not published.

How each field is filled: see `FIELDS` and `row()`; docs/opendata.md has the table.
"""

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Count,
    DateField,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Substr, TruncDate
from django.utils.translation import gettext as _

from plania.awards.enums import LegalBasis
from plania.awards.models import Award, Payment, ScheduledPayment
from plania.companies.sirene import check_siret

SCHEMA_PATH = (
    Path(__file__).resolve().parents[1] / "data" / "opendata" / "scdl-subventions-schema.json"
)
PARIS = ZoneInfo("Europe/Paris")
CHUNK = 2000
NATURE = "aide en numéraire"  # PlanIA pays money; nothing in kind.
# notificationUE = "oui" for aid granted under an EU state-aid regulation the Commission is
# told about: de minimis (reg. 2023/2831, registered) and the block exemption (GBER
# 651/2014 art. 22 and 28, summary information under its art. 11). "non" when the basis is
# not state aid or another basis stated in the deliberation.
NOTIFIED_BASES = frozenset({LegalBasis.DE_MINIMIS, LegalBasis.GBER_ART22, LegalBasis.GBER_ART28})
# Catégorie juridique (INSEE, level I "1" = entrepreneur individuel, e.g. 1000): a natural
# person. Its name is personal data: it is not published (only a generic label).
SOLE_TRADER_LABEL = "Entrepreneur individuel"


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def field_names() -> tuple[str, ...]:
    return tuple(f["name"] for f in schema()["fields"])


class ScdlError(Exception):
    """The export cannot be made as the law asks (e.g. the Region's SIRET is not set)."""


def attributing_body() -> tuple[str, str]:
    """(nomAttribuant, idAttribuant), or ScdlError with what to set."""
    siret = (settings.PLANIA_REGION_SIRET or "").strip()
    if not siret:
        raise ScdlError(
            _(
                "Le SIRET de la Région n'est pas renseigné (PLANIA_REGION_SIRET) : les données "
                "ouvertes des subventions ne peuvent pas être publiées sans idAttribuant."
            )
        )
    if check_siret(siret) is not None:
        raise ScdlError(
            _(
                "Le SIRET de la Région (PLANIA_REGION_SIRET = %(s)s) n'est pas un SIRET valide "
                "(14 chiffres, clé de Luhn)."
            )
            % {"s": siret}
        )
    return settings.PLANIA_REGION_NAME, siret


def is_sole_trader(legal_category: str | None) -> bool:
    return bool(legal_category) and str(legal_category).startswith("1")


def beneficiary_siren() -> Any:
    """SQL expression: the beneficiary's SIREN (the company's, else the direct SIRET's)."""
    return Coalesce(F("company__siren"), Substr("beneficiary_siret", 1, 9))


def cumulated_award_ids(*, threshold: Decimal | None = None) -> set[int]:
    """Awards at most the threshold that are published because their beneficiary's awards
    decided within one 12-month window add up to more than it.

    One query over the awards of beneficiaries with two awards or more; the windows are
    walked in Python (a beneficiary has a handful of awards).
    """
    limit = Decimal(threshold if threshold is not None else settings.PLANIA_AGREEMENT_THRESHOLD)
    repeated = (
        Award.objects.annotate(siren=beneficiary_siren())
        .values("siren")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values("siren")
    )
    rows = (
        Award.objects.annotate(siren=beneficiary_siren())
        .filter(siren__in=Subquery(repeated))
        .values_list("pk", "siren", "decided_on", "total")
        .order_by("siren", "decided_on", "pk")
    )
    by_siren: dict[str, list[tuple[int, date, Decimal]]] = defaultdict(list)
    for pk, siren, decided_on, total in rows.iterator(chunk_size=CHUNK):
        by_siren[siren].append((pk, decided_on, Decimal(total)))
    included: set[int] = set()
    for awards in by_siren.values():
        for start, (_pk, first_day, _total) in enumerate(awards):
            window_end = _add_months(first_day, 12)
            members = [a for a in awards[start:] if a[1] < window_end]
            if sum((a[2] for a in members), Decimal(0)) > limit:
                included.update(a[0] for a in members if a[2] <= limit)
    return included


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def published_awards(*, threshold: Decimal | None = None) -> QuerySet[Award]:
    """The awards the SCDL file lists, with what `row()` needs annotated (one query)."""
    limit = Decimal(threshold if threshold is not None else settings.PLANIA_AGREEMENT_THRESHOLD)
    extra = cumulated_award_ids(threshold=limit)
    payments = Payment.objects.filter(award=OuterRef("pk")).order_by().values("award")
    lines = ScheduledPayment.objects.filter(award=OuterRef("pk")).order_by().values("award")
    return (
        Award.objects.filter(agreement__signed_at__isnull=False, grant__gt=0)
        .filter(Q(total__gt=limit) | Q(pk__in=sorted(extra)))
        .annotate(
            signed_on=TruncDate("agreement__signed_at", tzinfo=PARIS),
            n_lines=Coalesce(
                Subquery(lines.annotate(n=Count("pk")).values("n")[:1]),
                Value(0),
                output_field=IntegerField(),
            ),
            first_paid=Subquery(
                payments.annotate(d=Min("ordered_on")).values("d")[:1], output_field=DateField()
            ),
            last_paid=Subquery(
                payments.annotate(d=Max("ordered_on")).values("d")[:1], output_field=DateField()
            ),
            n_paid=Coalesce(
                Subquery(payments.annotate(n=Count("pk")).values("n")[:1]),
                Value(0),
                output_field=IntegerField(),
            ),
        )
        .values(
            "pk",
            "reference",
            "beneficiary_name",
            "beneficiary_siret",
            "purpose",
            "scheme_code",
            "total",
            "grant",
            "legal_basis",
            "deliberation_reference",
            "state",
            "signed_on",
            "n_lines",
            "first_paid",
            "last_paid",
            "n_paid",
            "company__name",
            "company__head_office_siret",
            "company__legal_category",
            "envelope__name_fr",
        )
        .order_by("signed_on", "pk")
    )


@lru_cache(maxsize=1)
def _scheme_titles() -> dict[str, str]:
    from plania.schemes.selectors import scheme_versions

    # The latest version's title (versions are sorted by start date).
    return {s.id: s.title_fr for s in scheme_versions()}


def scheme_title(code: str) -> str:
    return _scheme_titles().get(code, code)


def _money(value: Decimal) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01')):f}"


def grant_share(grant: Decimal, total: Decimal) -> str:
    """pourcentageSubvention: the grant's share of the aid (grant + repayable advance),
    two decimals, at least 0.01 (the schema's minimum; only advance-only awards, which
    are not published, would be below)."""
    share = (Decimal(grant) / Decimal(total)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{max(share, Decimal('0.01')):f}"


def payment_terms(r: dict[str, Any]) -> tuple[str, str]:
    """(conditionsVersement, datesPeriodeVersement) from the payment schedule.

    One scheduled line: "unique", dated by its payment once made, else the period from
    the signature to the expected end. Several lines: "échelonné", the period from the
    first payment (or the signature) to the last one when the award is closed or every
    line is paid, else to the signature + PLANIA_OPENDATA_PAYMENT_PERIOD_MONTHS.
    """
    signed: date = r["signed_on"]
    expected_end = _add_months(signed, settings.PLANIA_OPENDATA_PAYMENT_PERIOD_MONTHS)
    if r["n_lines"] <= 1:
        if r["n_paid"] == 1:
            return "unique", r["first_paid"].isoformat()
        return "unique", f"{signed.isoformat()}/{expected_end.isoformat()}"
    start = r["first_paid"] or signed
    done = r["state"] == "closed" or (r["n_paid"] >= r["n_lines"] and r["last_paid"])
    end = r["last_paid"] if done else max(expected_end, r["last_paid"] or expected_end)
    end = max(end, start)
    return "échelonné", f"{start.isoformat()}/{end.isoformat()}"


def row(r: dict[str, Any], body: tuple[str, str]) -> list[str]:
    """One SCDL row, in the schema's field order."""
    sole_trader = is_sole_trader(r["company__legal_category"])
    name = SOLE_TRADER_LABEL if sole_trader else (r["company__name"] or r["beneficiary_name"])
    siret = r["company__head_office_siret"] or r["beneficiary_siret"]
    conditions, period = payment_terms(r)
    scheme = scheme_title(r["scheme_code"]) if r["scheme_code"] else r["envelope__name_fr"]
    return [
        body[0],  # nomAttribuant
        body[1],  # idAttribuant
        r["signed_on"].isoformat(),  # dateConvention
        r["deliberation_reference"],  # referenceDecision
        name,  # nomBeneficiaire
        siret,  # idBeneficiaire (head office SIRET)
        "",  # rnaBeneficiaire: beneficiaries are identified by SIRET
        r["purpose"][:256],  # objet
        _money(r["total"]),  # montant: the aid decided (grant + repayable advance)
        NATURE,  # nature
        conditions,  # conditionsVersement
        period,  # datesPeriodeVersement
        "",  # idRAE: schemes are not referenced in the RAE
        "oui" if r["legal_basis"] in NOTIFIED_BASES else "non",  # notificationUE
        grant_share(r["grant"], r["total"]),  # pourcentageSubvention
        scheme,  # dispositifAide
    ]


@dataclass
class Export:
    body: tuple[str, str]
    queryset: QuerySet[Any]

    def rows(self) -> Iterator[list[str]]:
        for r in self.queryset.iterator(chunk_size=CHUNK):
            yield row(r, self.body)


def export() -> Export:
    """The SCDL rows to publish; ScdlError when the Region's SIRET is not usable."""
    return Export(attributing_body(), published_awards())


class _Line:
    """A file-like object csv.writer writes one line into, returned as text."""

    def __init__(self) -> None:
        self.value = ""

    def write(self, text: str) -> None:
        self.value = text


def csv_lines(rows: Iterable[list[str]], *, batch: int = 500) -> Iterator[str]:
    """The header and the rows as CSV text (comma, UTF-8, CRLF), `batch` rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(field_names())
    n = 0
    for values in rows:
        writer.writerow(values)
        n += 1
        if n % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_records(rows: Iterable[list[str]]) -> Iterator[dict[str, Any]]:
    """Rows as typed records: montant and pourcentageSubvention numbers, notificationUE
    a boolean, empty optional fields null (the schema's types)."""
    names = field_names()
    for values in rows:
        record: dict[str, Any] = {}
        for name, value in zip(names, values, strict=True):
            if name in ("montant", "pourcentageSubvention"):
                record[name] = float(value)
            elif name == "notificationUE":
                record[name] = value == "oui"
            else:
                record[name] = value or None
        yield record


def json_chunks(rows: Iterable[list[str]]) -> Iterator[str]:
    """{"schema": ..., "version": ..., "data": [...]} streamed record by record."""
    head = {"schema": schema()["path"], "version": schema()["version"]}
    yield json.dumps(head)[:-1] + ', "data": ['

    first = True
    for record in json_records(rows):
        yield ("" if first else ",") + json.dumps(record, ensure_ascii=False)
        first = False
    yield "]}"


def to_publish(*, today: date, warning_days: int | None = None) -> list[dict[str, Any]]:
    """Published awards (in the SCDL selection) not yet recorded as published whose
    deadline (signature + 3 months) is less than `warning_days` away or passed."""
    days = settings.PLANIA_OPENDATA_WARNING_DAYS if warning_days is None else warning_days
    items = []
    qs = published_awards().filter(publication__isnull=True)
    # Signed on or before this day: the deadline (3 months on) falls before today + days.
    # (a few days of slack for month ends; the exact test is below).
    latest_signature = _add_months(today + timedelta(days=days + 3), -3)
    for r in qs.filter(signed_on__lte=latest_signature).iterator(chunk_size=CHUNK):
        deadline = _add_months(r["signed_on"], 3)
        if (deadline - today).days >= days:
            continue
        items.append({**r, "deadline": deadline, "days_left": (deadline - today).days})
    items.sort(key=lambda i: (i["deadline"], i["pk"]))
    return items
