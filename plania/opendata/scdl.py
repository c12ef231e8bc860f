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
    ExpressionWrapper,
    Max,
    Min,
    Q,
    QuerySet,
)
from django.db.models.functions import Substr, TruncDate
from django.utils.translation import gettext as _

from plania.awards.enums import LegalBasis
from plania.awards.models import Award
from plania.companies.models import Company
from plania.companies.sirene import check_siret
from plania.core import tabular
from plania.opendata import publication
from plania.payments.models import Payment, ScheduledPayment

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


# (award id, decision date, total) of one beneficiary's awards.
_Dated = tuple[int, date, Decimal]


def _beneficiaries_to_walk(limit: Decimal, public: Q) -> list[list[_Dated]]:
    """The awards of each beneficiary that could cross `limit` by cumulation: two awards or
    more, one of them at most `limit`, among the public ones (`public`: decisions of a
    held session, plania.opendata.publication). A beneficiary is a SIREN: the company's, else the
    first nine digits of the direct award's SIRET.

    Grouped without joining every award to its company: a company's SIREN is unique
    (Company.siren), so the awards of one company are the awards of one SIREN, and one
    query reads the awards of the companies with two awards or more, one of them at most
    `limit` (GROUP BY company_id ... HAVING, as a sub-query), with the awards without a
    company. Those (direct awards) carry their SIRET: such an award joins the group of the
    company PlanIA knows under that SIREN, if any, else the group of that SIREN.
    """
    candidates = (
        Award.objects.filter(public, company__isnull=False)
        .values("company_id")
        .annotate(n=Count("pk"), smallest=Min("total"))
        .filter(n__gt=1, smallest__lte=limit)
        .values("company_id")
    )
    rows = (
        Award.objects.filter(public)
        .filter(Q(company_id__in=candidates) | Q(company__isnull=True))
        .annotate(siren=Substr("beneficiary_siret", 1, 9))
        .values_list("pk", "company_id", "siren", "decided_on", "total")
        .order_by()  # sorted per beneficiary below
    )
    groups: dict[int | str, list[_Dated]] = defaultdict(list)
    for pk, company_id, siren, decided_on, total in rows:
        groups[siren if company_id is None else company_id].append((pk, decided_on, Decimal(total)))
    loose = [key for key in groups if isinstance(key, str)]
    known = (
        dict(Company.objects.filter(siren__in=loose).values_list("siren", "pk").order_by())
        if loose
        else {}
    )
    if known:
        for siren, company_id in known.items():
            groups[company_id] = groups.pop(siren)
        # Every award of a company a direct award joins: the count above did not see it.
        seen = {a[0] for key in known.values() for a in groups[key]}
        joined = (
            Award.objects.filter(public, company_id__in=list(known.values()))
            .values_list("pk", "company_id", "decided_on", "total")
            .order_by()
        )
        for pk, company_id, decided_on, total in joined:
            if pk not in seen:
                groups[company_id].append((pk, decided_on, Decimal(total)))
    return [
        sorted(awards, key=lambda a: (a[1], a[0]))
        for awards in groups.values()
        if len(awards) > 1 and min(a[2] for a in awards) <= limit
    ]


def cumulated_award_ids(*, threshold: Decimal | None = None, today: date | None = None) -> set[int]:
    """Awards at most the threshold that are published because their beneficiary's awards
    decided within one 12-month window add up to more than it.

    The windows are walked in Python over the beneficiaries that could cross the threshold
    (`_beneficiaries_to_walk`; a beneficiary has a handful of awards).
    """
    limit = Decimal(threshold if threshold is not None else settings.PLANIA_AGREEMENT_THRESHOLD)
    included: set[int] = set()
    for awards in _beneficiaries_to_walk(limit, publication.public_filter(today)):
        for start, (_pk, first_day, _total) in enumerate(awards):
            window_end = _add_months(first_day, 12)
            members = [a for a in awards[start:] if a[1] < window_end]
            if sum((a[2] for a in members), Decimal(0)) > limit:
                included.update(a[0] for a in members if a[2] <= limit)
    return included


@lru_cache(maxsize=4096)  # pure; the export asks for the same dates again and again
def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def published_awards(
    *, threshold: Decimal | None = None, today: date | None = None
) -> QuerySet[Any]:
    """The awards the SCDL file lists, in file order (one query; rows as dicts): decisions
    of a held session only (plania.opendata.publication).

    The payment figures a row also needs are read by `payment_figures()`, once for the
    whole file, not per award.
    """
    limit = Decimal(threshold if threshold is not None else settings.PLANIA_AGREEMENT_THRESHOLD)
    extra = cumulated_award_ids(threshold=limit, today=today)
    return (
        Award.objects.filter(publication.public_filter(today))
        .filter(agreement__signed_at__isnull=False, grant__gt=0)
        .filter(Q(total__gt=limit) | Q(pk__in=sorted(extra)))
        # The wrapper drops TruncDate's own converter, which only turns a datetime into a
        # date: PostgreSQL already returns a date. Without a converter left, Django
        # hands the rows over as the driver made them, not copied and converted one by one.
        .annotate(
            signed_on=ExpressionWrapper(
                TruncDate("agreement__signed_at", tzinfo=PARIS), output_field=DateField()
            ),
            natural_person=publication.natural_person(),
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
            "company__name",
            "company__head_office_siret",
            "company__legal_category",
            "natural_person",
            "envelope__name_fr",
        )
        .order_by("signed_on", "pk")
    )


@dataclass(frozen=True)
class PaymentFigures:
    # Per award id: lines of its payment schedule; payments made (count, first and last
    # order date). An award absent from a dict has none.
    lines: dict[int, int]
    paid: dict[int, tuple[int, date, date]]


def payment_figures() -> PaymentFigures:
    """The schedule lines and payments of every award: two queries grouped by award.

    Read whole (not through a server-side cursor): the dicts hold every row anyway."""
    lines = (
        ScheduledPayment.objects.values("award_id")
        .annotate(n=Count("pk"))
        .values_list("award_id", "n")
        .order_by()
    )
    paid = (
        Payment.objects.values("award_id")
        .annotate(n=Count("pk"), first=Min("ordered_on"), last=Max("ordered_on"))
        .values_list("award_id", "n", "first", "last")
        .order_by()
    )
    return PaymentFigures(
        lines=dict(lines), paid={pk: (n, first, last) for pk, n, first, last in paid}
    )


@lru_cache(maxsize=1)
def _scheme_titles() -> dict[str, str]:
    from plania.schemes.selectors import scheme_versions

    # The latest version's title (versions are sorted by start date).
    return {s.id: s.title_fr for s in scheme_versions()}


def scheme_title(code: str) -> str:
    return _scheme_titles().get(code, code)


CENT = Decimal("0.01")


def _money(value: Decimal) -> str:
    return f"{value.quantize(CENT):f}"


def grant_share(grant: Decimal, total: Decimal) -> str:
    """pourcentageSubvention: the grant's share of the aid (grant + repayable advance),
    two decimals, at least 0.01 (the schema's minimum; only advance-only awards, which
    are not published, would be below)."""
    if grant == total:
        return "1.00"  # a pure grant, most awards
    share = (Decimal(grant) / Decimal(total)).quantize(CENT, rounding=ROUND_HALF_UP)
    return f"{max(share, CENT):f}"


def payment_terms(
    signed: date,
    state: str,
    n_lines: int,
    n_paid: int,
    first_paid: date | None,
    last_paid: date | None,
    period_months: int | None = None,
) -> tuple[str, str]:
    """(conditionsVersement, datesPeriodeVersement) from the payment schedule.

    One scheduled line: "unique", dated by its payment once made, else the period from
    the signature to the expected end. Several lines: "échelonné", the period from the
    first payment (or the signature) to the last one when the award is closed or every
    line is paid, else to the signature + PLANIA_OPENDATA_PAYMENT_PERIOD_MONTHS.
    """
    if period_months is None:
        period_months = settings.PLANIA_OPENDATA_PAYMENT_PERIOD_MONTHS
    expected_end = _add_months(signed, period_months)
    if n_lines <= 1:
        if n_paid == 1:
            return "unique", first_paid.isoformat()  # type: ignore[union-attr]
        return "unique", f"{signed.isoformat()}/{expected_end.isoformat()}"
    start = first_paid or signed
    done = state == "closed" or (n_paid >= n_lines and last_paid)
    end = last_paid if done else max(expected_end, last_paid or expected_end)
    end = max(end, start)  # type: ignore[type-var]
    return "échelonné", f"{start.isoformat()}/{end.isoformat()}"  # type: ignore[union-attr]


# What `row()` reads of a published award, in this order (Export.rows reads tuples).
ROW_FIELDS = (
    "pk",
    "signed_on",
    "deliberation_reference",
    "natural_person",
    "company__name",
    "beneficiary_name",
    "company__head_office_siret",
    "beneficiary_siret",
    "purpose",
    "total",
    "grant",
    "legal_basis",
    "scheme_code",
    "envelope__name_fr",
    "state",
)


def row(
    r: tuple[Any, ...],
    body: tuple[str, str],
    figures: PaymentFigures,
    *,
    period_months: int | None = None,
) -> list[str]:
    """One SCDL row, in the schema's field order, from a published award's ROW_FIELDS."""
    (
        pk,
        signed,
        decision,
        natural,
        company_name,
        beneficiary_name,
        company_siret,
        beneficiary_siret,
        purpose,
        total,
        grant,
        legal_basis,
        scheme_code,
        envelope_name,
        state,
    ) = r
    n_paid, first_paid, last_paid = figures.paid.get(pk, _NOT_PAID)
    conditions, period = payment_terms(
        signed, state, figures.lines.get(pk, 0), n_paid, first_paid, last_paid, period_months
    )
    # A natural person is published with neither name nor SIRET (publication.identity).
    name, siret = publication.identity(
        natural, company_name or beneficiary_name, company_siret or beneficiary_siret
    )
    return [
        body[0],  # nomAttribuant
        body[1],  # idAttribuant
        signed.isoformat(),  # dateConvention
        decision,  # referenceDecision
        name,  # nomBeneficiaire
        siret,  # idBeneficiaire (head office SIRET)
        "",  # rnaBeneficiaire: beneficiaries are identified by SIRET
        purpose[:256],  # objet
        _money(total),  # montant: the aid decided (grant + repayable advance)
        NATURE,  # nature
        conditions,  # conditionsVersement
        period,  # datesPeriodeVersement
        "",  # idRAE: schemes are not referenced in the RAE
        "oui" if legal_basis in NOTIFIED_BASES else "non",  # notificationUE
        grant_share(grant, total),  # pourcentageSubvention
        scheme_title(scheme_code) if scheme_code else envelope_name,  # dispositifAide
    ]


_NOT_PAID: tuple[int, None, None] = (0, None, None)


@dataclass
class Export:
    body: tuple[str, str]
    # published_awards(): rows as dicts, in file order.
    queryset: QuerySet[Any]

    def rows(self) -> Iterator[list[str]]:
        """The rows, streamed from one server-side cursor (CHUNK rows at a time), after
        the two grouped reads of the payment figures."""
        figures = payment_figures()
        months = settings.PLANIA_OPENDATA_PAYMENT_PERIOD_MONTHS
        body = self.body
        for r in self.queryset.values_list(*ROW_FIELDS).iterator(chunk_size=CHUNK):
            yield row(r, body, figures, period_months=months)


def export() -> Export:
    """The SCDL rows to publish; ScdlError when the Region's SIRET is not usable."""
    return Export(attributing_body(), published_awards())


def csv_lines(rows: Iterable[list[str]], *, batch: int = 500) -> Iterator[str]:
    """The header and the rows as CSV text (comma, UTF-8, CRLF), `batch` rows per chunk,
    written by plania.core.tabular: a text starting like a formula is quoted."""
    return tabular.csv_chunks(field_names(), rows, batch=batch)


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
    qs = published_awards(today=today).filter(publication__isnull=True)
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
