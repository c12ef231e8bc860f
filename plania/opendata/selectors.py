"""Reads of the public transparency page (/transparence/).

What is shown is what the law publishes about an award (the deliberation is a public act;
décret 2017-779 for the essential data): beneficiary, scheme, amounts, decision date,
département. Only decisions of a held session are listed, and a natural person is shown
without name nor SIRET (plania.opendata.publication says which). The page never reads
e-mails, people or dossiers.
"""

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from plania.awards.models import Award
from plania.opendata import publication

DEPARTEMENTS_PATH = (
    Path(__file__).resolve().parents[1] / "data" / "companies" / "occitanie-departements.json"
)
ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=14, decimal_places=2))


@lru_cache(maxsize=1)
def departements() -> dict[str, str]:
    return json.loads(DEPARTEMENTS_PATH.read_text(encoding="utf-8"))["departements"]


@dataclass(frozen=True)
class Filters:
    scheme: str = ""
    departement: str = ""
    year: int | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None


@dataclass(frozen=True)
class Totals:
    count: int
    total: Decimal
    grant: Decimal
    advance: Decimal


def public_awards(filters: Filters, *, today: date | None = None) -> QuerySet[Award]:
    """The awards the page lists: decisions of a held session (publication.public_filter)."""
    qs = Award.objects.filter(publication.public_filter(today))
    if filters.scheme:
        qs = qs.filter(scheme_code=filters.scheme)
    if filters.departement:
        qs = qs.filter(company__departement=filters.departement)
    if filters.year:
        qs = qs.filter(decided_on__year=filters.year)
    if filters.amount_min is not None:
        qs = qs.filter(total__gte=filters.amount_min)
    if filters.amount_max is not None:
        qs = qs.filter(total__lte=filters.amount_max)
    return qs


def totals(qs: QuerySet[Award]) -> Totals:
    """Count and sums in one query."""
    agg = qs.order_by().aggregate(
        count=Count("pk"),
        total=Coalesce(Sum("total"), ZERO),
        grant=Coalesce(Sum("grant"), ZERO),
        advance=Coalesce(Sum("advance"), ZERO),
    )
    return Totals(
        agg["count"], Decimal(agg["total"]), Decimal(agg["grant"]), Decimal(agg["advance"])
    )


def page_rows(qs: QuerySet[Award]) -> QuerySet[Any]:
    """The columns the page shows, read in the same query (no per-row query)."""
    return qs.order_by("-decided_on", "-pk").values(
        "reference",
        "beneficiary_name",
        "beneficiary_siret",
        "scheme_code",
        "total",
        "grant",
        "advance",
        "decided_on",
        "deliberation_reference",
        natural_person=publication.natural_person(),
        company_name=F("company__name"),
        company_siret=F("company__head_office_siret"),
        departement=F("company__departement"),
        envelope_name=F("envelope__name_fr"),
    )


def years() -> list[int]:
    return sorted(
        {
            d.year
            for d in Award.objects.filter(publication.public_filter()).dates("decided_on", "year")
        },
        reverse=True,
    )


def scheme_codes_in_use() -> list[str]:
    return list(
        Award.objects.filter(publication.public_filter())
        .filter(~Q(scheme_code=""))
        .order_by("scheme_code")
        .values_list("scheme_code", flat=True)
        .distinct()
    )
