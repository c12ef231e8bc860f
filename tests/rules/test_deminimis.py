"""De minimis cumulation per single undertaking (2023/2831 and 1407/2013)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from plania.rules.deminimis import PriorAid, deminimis_check
from plania.rules.money import format_money

APPLICANT = "552100554"
LINKED = "542107651"
STRANGER = "356000000"
NBSP = "\u00a0"  # before the euro sign (CLDR fr)
NNBSP = "\u202f"  # between thousands (CLDR fr)


def aid(granted_on: date, amount: str, siren: str = APPLICANT) -> PriorAid:
    return PriorAid(
        granted_on=granted_on,
        amount_gge=Decimal(amount),
        undertaking_siren=siren,
        source="test",
    )


@dataclass(frozen=True)
class Case:
    id: str
    award_date: date
    new_aid: str
    prior: tuple[PriorAid, ...]
    # expectations
    regime: str
    window: tuple[date, date]
    cumulated: str
    fits: bool
    excess: str
    headroom_after: str
    linked: tuple[str, ...] = (APPLICANT, LINKED)
    ceiling: str = ""  # "" means the regime's
    override: str | None = None
    fiscal_year_start_month: int = 1


CASES = [
    Case(
        id="exactly-at-ceiling-fits",
        award_date=date(2025, 6, 15),
        new_aid="100000",
        prior=(aid(date(2024, 3, 1), "200000"),),
        regime="UE 2023/2831",
        window=(date(2022, 6, 16), date(2025, 6, 15)),
        cumulated="200000",
        fits=True,
        excess="0",
        headroom_after="0",
    ),
    Case(
        id="one-euro-above",
        award_date=date(2025, 6, 15),
        new_aid="100001",
        prior=(aid(date(2024, 3, 1), "200000"),),
        regime="UE 2023/2831",
        window=(date(2022, 6, 16), date(2025, 6, 15)),
        cumulated="200000",
        fits=False,
        excess="1",
        headroom_after="0",
    ),
    Case(
        id="first-excluded-day-is-ignored",
        award_date=date(2025, 6, 15),
        new_aid="100000",
        prior=(aid(date(2022, 6, 15), "250000"),),
        regime="UE 2023/2831",
        window=(date(2022, 6, 16), date(2025, 6, 15)),
        cumulated="0",
        fits=True,
        excess="0",
        headroom_after="200000",
    ),
    Case(
        id="first-included-day-is-counted",
        award_date=date(2025, 6, 15),
        new_aid="100000",
        prior=(aid(date(2022, 6, 16), "250000"),),
        regime="UE 2023/2831",
        window=(date(2022, 6, 16), date(2025, 6, 15)),
        cumulated="250000",
        fits=False,
        excess="50000",
        headroom_after="0",
    ),
    Case(
        id="aid-on-award-date-counted-later-ignored",
        award_date=date(2025, 6, 15),
        new_aid="10000",
        prior=(aid(date(2025, 6, 15), "5000"), aid(date(2025, 6, 16), "290000")),
        regime="UE 2023/2831",
        window=(date(2022, 6, 16), date(2025, 6, 15)),
        cumulated="5000",
        fits=True,
        excess="0",
        headroom_after="285000",
    ),
    Case(
        id="last-day-of-1407-three-fiscal-years",
        award_date=date(2023, 12, 31),
        new_aid="60000",
        prior=(aid(date(2021, 1, 1), "150000"),),
        regime="UE 1407/2013",
        window=(date(2021, 1, 1), date(2023, 12, 31)),
        cumulated="150000",
        fits=False,
        excess="10000",
        headroom_after="0",
    ),
    Case(
        id="first-day-of-2023-2831-rolling",
        award_date=date(2024, 1, 1),
        new_aid="60000",
        prior=(aid(date(2021, 1, 1), "150000"),),
        regime="UE 2023/2831",
        window=(date(2021, 1, 2), date(2024, 1, 1)),
        cumulated="0",
        fits=True,
        excess="0",
        headroom_after="240000",
    ),
    Case(
        id="1407-ceiling-is-200k",
        award_date=date(2022, 5, 1),
        new_aid="200000.01",
        prior=(),
        regime="UE 1407/2013",
        window=(date(2020, 1, 1), date(2022, 5, 1)),
        cumulated="0",
        fits=False,
        excess="0.01",
        headroom_after="0",
    ),
    Case(
        id="1407-fiscal-year-from-july",
        award_date=date(2023, 3, 15),
        new_aid="10000",
        prior=(aid(date(2020, 6, 30), "195000"), aid(date(2020, 7, 1), "1000")),
        regime="UE 1407/2013",
        window=(date(2020, 7, 1), date(2023, 3, 15)),
        cumulated="1000",
        fits=True,
        excess="0",
        headroom_after="189000",
        fiscal_year_start_month=7,
    ),
    Case(
        id="linked-company-aid-counted",
        award_date=date(2025, 6, 15),
        new_aid="30000",
        prior=(aid(date(2024, 5, 1), "280000", siren=LINKED),),
        regime="UE 2023/2831",
        window=(date(2022, 6, 16), date(2025, 6, 15)),
        cumulated="280000",
        fits=False,
        excess="10000",
        headroom_after="0",
    ),
    Case(
        id="unlinked-company-aid-ignored",
        award_date=date(2025, 6, 15),
        new_aid="30000",
        prior=(aid(date(2024, 5, 1), "280000", siren=STRANGER),),
        regime="UE 2023/2831",
        window=(date(2022, 6, 16), date(2025, 6, 15)),
        cumulated="0",
        fits=True,
        excess="0",
        headroom_after="270000",
    ),
    Case(
        id="link-only-through-linked_sirens",
        award_date=date(2025, 6, 15),
        new_aid="30000",
        prior=(aid(date(2024, 5, 1), "280000", siren=LINKED),),
        linked=(APPLICANT,),
        regime="UE 2023/2831",
        window=(date(2022, 6, 16), date(2025, 6, 15)),
        cumulated="0",
        fits=True,
        excess="0",
        headroom_after="270000",
    ),
    Case(
        id="siren-spacing-is-normalised",
        award_date=date(2025, 6, 15),
        new_aid="1",
        prior=(aid(date(2024, 5, 1), "300000", siren="552 100 554"),),
        regime="UE 2023/2831",
        window=(date(2022, 6, 16), date(2025, 6, 15)),
        cumulated="300000",
        fits=False,
        excess="1",
        headroom_after="0",
    ),
    Case(
        id="leap-day-award-looks-back-to-28-feb",
        award_date=date(2028, 2, 29),
        new_aid="1",
        prior=(aid(date(2025, 2, 28), "300000"), aid(date(2025, 3, 1), "7")),
        regime="UE 2023/2831",
        window=(date(2025, 3, 1), date(2028, 2, 29)),
        cumulated="7",
        fits=True,
        excess="0",
        headroom_after="299992",
    ),
    Case(
        id="ceiling-override",
        award_date=date(2025, 6, 15),
        new_aid="60000",
        prior=(aid(date(2024, 5, 1), "50000"),),
        override="100000",
        ceiling="100000",
        regime="UE 2023/2831",
        window=(date(2022, 6, 16), date(2025, 6, 15)),
        cumulated="50000",
        fits=False,
        excess="10000",
        headroom_after="0",
    ),
    Case(
        id="already-over-the-ceiling",
        award_date=date(2025, 6, 15),
        new_aid="0",
        prior=(aid(date(2024, 5, 1), "200000"), aid(date(2025, 1, 1), "100000.50")),
        regime="UE 2023/2831",
        window=(date(2022, 6, 16), date(2025, 6, 15)),
        cumulated="300000.50",
        fits=False,
        excess="0.50",
        headroom_after="0",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_deminimis_table(case: Case) -> None:
    result = deminimis_check(
        award_date=case.award_date,
        new_aid_gge=Decimal(case.new_aid),
        prior_aids=case.prior,
        linked_sirens=case.linked,
        ceiling_override=None if case.override is None else Decimal(case.override),
        fiscal_year_start_month=case.fiscal_year_start_month,
    )
    expected_ceiling = Decimal(
        case.ceiling or ("300000" if case.regime == "UE 2023/2831" else "200000")
    )
    assert result.regime == case.regime
    assert result.ceiling == expected_ceiling
    assert (result.window_start, result.window_end) == case.window
    assert result.cumulated_before == Decimal(case.cumulated)
    assert result.fits is case.fits
    assert result.excess == Decimal(case.excess)
    assert result.headroom_after == Decimal(case.headroom_after)
    assert result.headroom_before == max(Decimal(0), expected_ceiling - result.cumulated_before)
    assert sum((a.amount_gge for a in result.counted_aids), Decimal(0)) == Decimal(case.cumulated)
    if case.fits:
        assert "conforme" in result.explanation_fr and "fits" in result.explanation_en
    else:
        assert (
            f"dépassé de {format_money(result.excess, 'fr', cents=False)}" in result.explanation_fr
        )
        assert (
            f"exceeded by {format_money(result.excess, 'en', cents=False)}" in result.explanation_en
        )
    if case.override is not None:
        assert "plafond ajusté" in result.explanation_fr
        assert "adjusted ceiling" in result.explanation_en


def test_refusal_message_one_euro() -> None:
    result = deminimis_check(
        award_date=date(2025, 6, 15),
        new_aid_gge=Decimal("100001"),
        prior_aids=[aid(date(2024, 3, 1), "200000")],
        linked_sirens=[APPLICANT],
    )
    assert result.explanation_fr.startswith(
        f"Plafond de minimis dépassé de 1{NBSP}€ (UE 2023/2831)"
    )
    assert f"pour un plafond de 300{NNBSP}000{NBSP}€" in result.explanation_fr
    assert "du 16 juin 2022 au 15 juin 2025" in result.explanation_fr
    assert result.explanation_en.startswith("De minimis ceiling exceeded by €1 (UE 2023/2831)")
    assert "against a ceiling of €300,000" in result.explanation_en
