"""De minimis cumulation per single undertaking (DOMAIN.md, "State aid").

Regimes, chosen by the award date (the date the right to the new aid is granted):

* Commission Regulation (EU) 2023/2831 (OJ L, 15.12.2023), applicable from 2024-01-01 to
  2030-12-31 (art. 8): at most EUR 300,000 per single undertaking "over any period of three
  years" (art. 3(2)), assessed on a rolling basis (recitals). Window convention used here:
  the three years ending on the award date, i.e. ``(award_date - 3 years, award_date]``,
  both ends by calendar: an aid granted exactly three years before the award date (same
  day and month) is outside, the next day is inside. "3 years" is 36 calendar months, the
  day clamped to the month's end (an award on 29 Feb 2028 looks back to 28 Feb 2025,
  excluded).
* Commission Regulation (EU) No 1407/2013 (OJ L 352, 24.12.2013), applicable from
  2014-01-01 to 2023-12-31 (art. 8, as prolonged by Regulation (EU) 2020/972): at most
  EUR 200,000 "over any period of three fiscal years" (art. 3(2)): the current fiscal year
  and the two previous ones. Fiscal year = calendar year unless another start month is
  given (``fiscal_year_start_month``).

Common rules: aid counts when the legal right to it is granted, not when paid (art. 3(4)
of both regulations), so ``PriorAid.granted_on`` is that date; grants count at face value,
loans and advances at their gross grant equivalent (art. 4), so amounts are GGE. The
single undertaking (art. 2(2)) is the applicant plus the companies linked by control: the
caller passes their SIRENs; aid to any other SIREN is ignored. Aid granted after the award
date is not "prior" and is ignored. Where the new aid would exceed the ceiling, none of it
may be granted under de minimis (art. 3(7) of 1407/2013; same rule in 2023/2831), hence a
yes/no answer with the excess, not a partial amount.

Not modelled (left to ``ceiling_override`` and the caller): sector ceilings (agriculture,
fisheries, SGEI de minimis 2023/2832) and their cumulation rules, mergers and splits.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from plania.rules.money import ZERO, Money, format_day, format_money, round_cent
from plania.rules.schedules import add_months

WindowKind = Literal["rolling_3_years", "three_fiscal_years"]


@dataclass(frozen=True, slots=True)
class DeMinimisRegime:
    code: str  # short label recorded with the award
    valid_from: date  # award dates on or after
    valid_until: date  # award dates on or before
    ceiling: Money
    window: WindowKind
    source: str


# Dated data: the regime in force on the award date applies.
REGIMES: tuple[DeMinimisRegime, ...] = (
    DeMinimisRegime(
        code="UE 1407/2013",
        valid_from=date(2014, 1, 1),
        valid_until=date(2023, 12, 31),
        ceiling=Decimal("200000.00"),
        window="three_fiscal_years",
        source="Règlement (UE) n° 1407/2013, art. 3(2); prolongé par le règlement (UE) 2020/972",
    ),
    DeMinimisRegime(
        code="UE 2023/2831",
        valid_from=date(2024, 1, 1),
        valid_until=date(2030, 12, 31),
        ceiling=Decimal("300000.00"),
        window="rolling_3_years",
        source="Règlement (UE) 2023/2831, art. 3(2) et art. 8",
    ),
)


def regime_on(award_date: date) -> DeMinimisRegime:
    for regime in REGIMES:
        if regime.valid_from <= award_date <= regime.valid_until:
            return regime
    raise ValueError(
        f"no de minimis regime recorded for an award on {award_date.isoformat()}; "
        "add the applicable regulation to REGIMES"
    )


def window_for(
    regime: DeMinimisRegime, award_date: date, *, fiscal_year_start_month: int = 1
) -> tuple[date, date]:
    """First and last day (both included) of the cumulation window for ``award_date``."""
    if regime.window == "rolling_3_years":
        return add_months(award_date, -36) + timedelta(days=1), award_date
    if not 1 <= fiscal_year_start_month <= 12:
        raise ValueError(f"fiscal_year_start_month must be 1..12, got {fiscal_year_start_month}")
    year = award_date.year if award_date.month >= fiscal_year_start_month else award_date.year - 1
    return date(year - 2, fiscal_year_start_month, 1), award_date


@dataclass(frozen=True, slots=True)
class PriorAid:
    granted_on: date  # date the right to the aid was granted (art. 3(4))
    amount_gge: Money  # face value of a grant, GGE of a loan or advance
    undertaking_siren: str
    source: str  # where the figure comes from (award, company's declaration, ...)


@dataclass(frozen=True, slots=True)
class DeMinimisResult:
    regime: str
    ceiling: Money
    window_start: date  # first day counted
    window_end: date  # last day counted (the award date)
    cumulated_before: Money
    headroom_before: Money  # max(0, ceiling - cumulated_before)
    headroom_after: Money  # max(0, ceiling - cumulated_before - new aid)
    fits: bool
    excess: Money  # 0 when fits
    explanation_fr: str
    explanation_en: str
    counted_aids: tuple[PriorAid, ...]
    new_aid_gge: Money


def _norm_siren(siren: str) -> str:
    return "".join(siren.split())


def _fr(day: date) -> str:
    return format_day(day, "fr")


def _eur_fr(amount: Money) -> str:
    return format_money(amount, "fr", cents=False)


def _eur_en(amount: Money) -> str:
    return format_money(amount, "en", cents=False)


def deminimis_check(
    *,
    award_date: date,
    new_aid_gge: Decimal,
    prior_aids: Sequence[PriorAid],
    linked_sirens: Collection[str],
    ceiling_override: Decimal | None = None,
    fiscal_year_start_month: int = 1,
) -> DeMinimisResult:
    """Does ``new_aid_gge`` fit under the de minimis ceiling for this single undertaking?

    ``linked_sirens`` is the single undertaking: the applicant's SIREN plus the SIRENs of
    the companies linked to it. ``ceiling_override`` replaces the regime's ceiling (a
    sector ceiling, for example); the regime and its window still follow the award date.
    """
    if new_aid_gge < 0:
        raise ValueError(f"new_aid_gge must be >= 0, got {new_aid_gge}")
    undertaking = {_norm_siren(s) for s in linked_sirens}
    if not undertaking:
        raise ValueError("linked_sirens must contain at least the applicant's SIREN")
    regime = regime_on(award_date)
    ceiling = round_cent(regime.ceiling if ceiling_override is None else ceiling_override)
    if ceiling < 0:
        raise ValueError(f"ceiling must be >= 0, got {ceiling}")
    start, end = window_for(regime, award_date, fiscal_year_start_month=fiscal_year_start_month)
    for aid in prior_aids:
        if aid.amount_gge < 0:
            raise ValueError(f"prior aid amounts must be >= 0, got {aid.amount_gge}")
    counted = tuple(
        sorted(
            (
                aid
                for aid in prior_aids
                if _norm_siren(aid.undertaking_siren) in undertaking
                and start <= aid.granted_on <= end
            ),
            key=lambda aid: aid.granted_on,
        )
    )
    new = round_cent(new_aid_gge)
    cumulated = round_cent(sum((aid.amount_gge for aid in counted), ZERO))
    total = cumulated + new
    fits = total <= ceiling
    excess = ZERO if fits else total - ceiling
    headroom_before = max(ZERO, ceiling - cumulated)
    headroom_after = max(ZERO, ceiling - total)
    adjusted_fr = " (plafond ajusté)" if ceiling_override is not None else ""
    adjusted_en = " (adjusted ceiling)" if ceiling_override is not None else ""
    period_fr = f"du {_fr(start)} au {_fr(end)}"
    period_en = f"from {format_day(start, 'en')} to {format_day(end, 'en')}"
    n = len(counted)
    if fits:
        fr = (
            f"Aide de minimis conforme ({regime.code}{adjusted_fr}) : "
            f"{_eur_fr(cumulated)} d'aides déjà reçues par l'entreprise unique "
            f"{period_fr} ({n} aide(s)) + {_eur_fr(new)} = {_eur_fr(total)}, "
            f"dans la limite du plafond de {_eur_fr(ceiling)} ; "
            f"marge restante : {_eur_fr(headroom_after)}."
        )
        en = (
            f"De minimis aid fits ({regime.code}{adjusted_en}): "
            f"{_eur_en(cumulated)} already granted to the single undertaking "
            f"{period_en} ({n} aid(s)) + {_eur_en(new)} = {_eur_en(total)}, "
            f"within the {_eur_en(ceiling)} ceiling; "
            f"headroom left: {_eur_en(headroom_after)}."
        )
    else:
        fr = (
            f"Plafond de minimis dépassé de {_eur_fr(excess)} ({regime.code}"
            f"{adjusted_fr}) : {_eur_fr(cumulated)} d'aides déjà reçues par "
            f"l'entreprise unique {period_fr} ({n} aide(s)) + {_eur_fr(new)} "
            f"= {_eur_fr(total)}, pour un plafond de {_eur_fr(ceiling)}. "
            f"Marge disponible : {_eur_fr(headroom_before)}. Aucune partie de cette "
            f"aide ne peut être octroyée au titre du règlement de minimis."
        )
        en = (
            f"De minimis ceiling exceeded by {_eur_en(excess)} ({regime.code}"
            f"{adjusted_en}): {_eur_en(cumulated)} already granted to the single "
            f"undertaking {period_en} ({n} aid(s)) + {_eur_en(new)} "
            f"= {_eur_en(total)}, against a ceiling of {_eur_en(ceiling)}. "
            f"Headroom available: {_eur_en(headroom_before)}. No part of this aid "
            f"may be granted under the de minimis regulation."
        )
    return DeMinimisResult(
        regime=regime.code,
        ceiling=ceiling,
        window_start=start,
        window_end=end,
        cumulated_before=cumulated,
        headroom_before=headroom_before,
        headroom_after=headroom_after,
        fits=fits,
        excess=excess,
        explanation_fr=fr,
        explanation_en=en,
        counted_aids=counted,
        new_aid_gge=new,
    )
