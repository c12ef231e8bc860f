"""The metrics a plan file may name in a target's `measure.computed.metric`.

Each metric is one function `(target, **params) -> {year: value}` that computes, from
PlanIA's own data, the figure of each calendar year of the target's period, in one
grouped query (GROUP BY year). A year without anything is absent (read it as 0).
Register a new metric with `@metric("name")`; an unknown name in a plan file is shown
on the steering page as "metric unknown" rather than failing the page.
"""

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.db.models.functions import ExtractYear

from plania.awards.models import Award
from plania.companies.models import Company
from plania.plans.models import Target

YearValues = dict[int, Decimal]
Metric = Callable[..., YearValues]

# NAF rev. 2 codes counted as "AI companies" (the seed's "entreprises spécialisées en IA"
# has no official NAF code; these are the activities AI companies register under):
# 62.01Z computer programming, 62.02A IT consultancy, 63.11Z data processing and hosting,
# 72.19Z other research and experimental development on natural sciences and engineering.
# Stored as INSEE writes them ("62.01Z"); the list is a choice, change it here.
AI_NAF_CODES: tuple[str, ...] = ("62.01Z", "62.02A", "63.11Z", "72.19Z")

REGISTRY: dict[str, Metric] = {}


def metric(name: str) -> Callable[[Metric], Metric]:
    def register(func: Metric) -> Metric:
        REGISTRY[name] = func
        return func

    return register


def _by_year(rows: Any) -> YearValues:
    return {int(r["year"]): Decimal(r["n"]) for r in rows if r["year"] is not None}


def _in_period(target: Target, field: str, until: date | None) -> dict[str, date]:
    end = target.period_end if until is None else min(target.period_end, until)
    return {f"{field}__gte": target.period_start, f"{field}__lt": end}


@metric("awards_count")
def awards_count(target: Target, *, scheme: str, until: date | None = None) -> YearValues:
    """Awards decided by the Commission permanente under `scheme`, by year of decision."""
    rows = (
        Award.objects.filter(scheme_code=scheme, **_in_period(target, "decided_on", until))
        .annotate(year=ExtractYear("decided_on"))
        .values("year")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _by_year(rows)


@metric("ai_companies_created_per_year")
def ai_companies_created_per_year(target: Target, *, until: date | None = None) -> YearValues:
    """Companies known to PlanIA created that year with an AI NAF code (AI_NAF_CODES)."""
    rows = (
        Company.objects.filter(
            naf_code__in=AI_NAF_CODES, **_in_period(target, "creation_date", until)
        )
        .annotate(year=ExtractYear("creation_date"))
        .values("year")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _by_year(rows)


@metric("jei_funded_per_year")
def jei_funded_per_year(target: Target, *, scheme: str, until: date | None = None) -> YearValues:
    """Distinct companies awarded under `scheme` (the startup scheme) in the year of the
    decision: the JEI funded by PlanIA, beside the JEI of the region reported by DGFiP."""
    rows = (
        Award.objects.filter(
            scheme_code=scheme, company__isnull=False, **_in_period(target, "decided_on", until)
        )
        .annotate(year=ExtractYear("decided_on"))
        .values("year")
        .annotate(n=Count("company", distinct=True))
        .order_by()
    )
    return _by_year(rows)


def compute(target: Target, *, until: date | None = None) -> YearValues | None:
    """The metric of a computed target, by year; None when the metric is unknown."""
    # The plan file writes every parameter, empty when unused (scheme: "").
    spec = {k: v for k, v in (target.metric or {}).items() if v not in (None, "")}
    func = REGISTRY.get(spec.pop("metric", ""))
    if func is None:
        return None
    return func(target, until=until, **spec)
