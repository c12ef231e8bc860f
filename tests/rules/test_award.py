"""Award split, grant equivalent, legal basis and de minimis for one application."""

from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

import pytest

from plania.rules.award import AwardConfigError, AwardContext, award_for, compute_award
from plania.rules.deminimis import PriorAid
from plania.rules.money import format_money
from plania.rules.schemes import Scheme, find_scheme

AT = date(2025, 6, 1)
D = Decimal


@cache
def startup() -> Scheme:
    return find_scheme("startup-industrie-demain", AT)


@cache
def ctx() -> AwardContext:
    return AwardContext.build(startup(), AT)


# A company aged 7 (de minimis basis), eligible.
BASE: dict[str, Any] = {
    "creation_date": "2018-01-10",
    "application_date": "2025-04-01",
    "department": "31",
    "headcount": 12,
    "turnover_eur": 800_000,
    "balance_sheet_eur": 1_500_000,
    "deep_tech": 1,
    "lab_collaboration": 1,
    "eligible_cost_eur": 300_000,
    "requested_eur": 250_000,
    "prior_de_minimis_eur": 0,
}

# (case, changes, aid, grant, advance, limited_by)
SPLITS = [
    ("cap", {}, "200000", "50000", "150000", "cap"),
    (
        "request below the grant cap: all grant",
        {"requested_eur": 40_000},
        "40000",
        "40000",
        "0",
        "requested",
    ),
    (
        "request exactly the grant cap",
        {"requested_eur": 50_000},
        "50000",
        "50000",
        "0",
        "requested",
    ),
    (
        "eligible cost below the request",
        {"eligible_cost_eur": 120_000, "requested_eur": 180_000},
        "120000",
        "50000",
        "70000",
        "eligible_cost",
    ),
    (
        "cents rounded down to the euro",
        {"eligible_cost_eur": "100000.75", "requested_eur": 150_000},
        "100000",
        "50000",
        "50000",
        "eligible_cost",
    ),
    (
        "request above the cap",
        {"requested_eur": 1_000_000, "eligible_cost_eur": 5_000_000},
        "200000",
        "50000",
        "150000",
        "cap",
    ),
]


@pytest.mark.parametrize(
    ("changes", "aid", "grant", "advance", "limit"),
    [s[1:] for s in SPLITS],
    ids=[s[0] for s in SPLITS],
)
def test_split(changes: dict[str, Any], aid: str, grant: str, advance: str, limit: str) -> None:
    r = compute_award({**BASE, **changes}, ctx())
    assert r.computed
    assert (r.aid_eur, r.grant_eur, r.advance_eur) == (D(aid), D(grant), D(advance))
    assert r.limited_by == limit
    assert r.aid_eur <= r.eligible_cost_eur  # type: ignore[operator]


def test_all_grant_has_no_advance_and_no_gge() -> None:
    r = compute_award({**BASE, "requested_eur": 40_000}, ctx())
    assert r.advance_eur == 0 and r.advance_gge_eur == 0 and r.advance_gge is None
    assert r.total_gge_eur == D(40_000)


def test_gge_of_the_advance_is_domain_md_worked_example() -> None:
    # EUR 150,000 at 0 %, 8 quarters deferral, 20 quarterly instalments, base 3.0 % + 220 bp
    # (satisfactory, normal collateral), annual compounding: EUR 31,033 (DOMAIN.md).
    r = compute_award(BASE, ctx())
    assert r.advance_eur == D(150_000)
    assert r.reference_rate == D("0.0520")
    assert r.advance_gge_eur is not None and r.advance_gge_eur.quantize(D(1)) == D(31_033)
    assert r.total_gge_eur == D(50_000) + r.advance_gge_eur
    quarterly = award_for(BASE, scheme=startup(), at=AT, overrides={"gge_compounding": "periodic"})
    assert quarterly.advance_gge_eur is not None
    assert quarterly.advance_gge_eur.quantize(D(1)) == D(31_554)
    weak = award_for(BASE, scheme=startup(), at=AT, overrides={"borrower_rating": "weak"})
    assert weak.advance_gge_eur is not None and weak.advance_gge_eur.quantize(D(1)) == D(39_781)


def test_de_minimis_ceiling_exceeded_by_one_euro() -> None:
    # All grant (EUR 40,000) so the aid in GGE is exact: 260,001 + 40,000 = 300,001.
    app = {**BASE, "requested_eur": 40_000, "prior_de_minimis_eur": 260_001}
    r = compute_award(app, ctx())
    assert r.legal_basis == "de_minimis"
    assert r.de_minimis_status == "exceeds" and r.de_minimis is not None
    assert r.de_minimis.excess == D("1.00")
    assert r.de_minimis.headroom_before == D("39999.00")
    assert not r.fundable
    assert "dépassé de 1\u00a0€" in r.de_minimis_note_fr
    assert "exceeded by €1" in r.de_minimis_note_en
    at_limit = compute_award({**app, "prior_de_minimis_eur": 260_000}, ctx())
    assert at_limit.de_minimis_status == "fits" and at_limit.fundable
    assert at_limit.de_minimis is not None and at_limit.de_minimis.headroom_after == 0


def test_gber_art22_for_a_young_small_company_de_minimis_not_binding() -> None:
    app = {**BASE, "creation_date": "2022-01-01", "prior_de_minimis_eur": 290_000}
    r = compute_award(app, ctx())
    assert r.legal_basis == "gber_art22"
    assert "art. 22" in r.legal_basis_reason_fr and "art. 22" in r.legal_basis_reason_en
    assert r.de_minimis_status == "exceeds"  # shown, but GBER is the basis
    assert r.fundable


@pytest.mark.parametrize(
    ("changes", "basis", "why"),
    [
        ({"creation_date": "2020-06-01", "application_date": "2025-05-31"}, "gber_art22", ""),
        (
            {"creation_date": "2020-06-01", "application_date": "2025-06-01"},
            "de_minimis",
            "not met",
        ),
        ({"creation_date": "2022-01-01", "headcount": 50}, "de_minimis", "not met"),
        (
            {"creation_date": "2022-01-01", "turnover_eur": None, "balance_sheet_eur": 20_000_000},
            "de_minimis",
            "not established",
        ),
    ],
)
def test_legal_basis_rule(changes: dict[str, Any], basis: str, why: str) -> None:
    r = compute_award({**BASE, **changes}, ctx())
    assert r.computed and r.legal_basis == basis
    assert why in r.legal_basis_reason_en


def test_prior_aid_unknown_makes_de_minimis_unknown_and_not_fundable() -> None:
    r = compute_award({**BASE, "prior_de_minimis_eur": None}, ctx())
    assert r.computed and r.de_minimis_status == "unknown" and not r.fundable
    assert "not declared" in r.de_minimis_note_en


def test_prior_aids_of_the_single_undertaking() -> None:
    aids = [
        PriorAid(date(2024, 1, 15), D(200_000), "123456789", "award PlanIA"),
        PriorAid(date(2024, 2, 1), D(100_000), "987654321", "unrelated company"),
        PriorAid(date(2022, 6, 1), D(100_000), "123456789", "outside the 3-year window"),
    ]
    app = {**BASE, "requested_eur": 40_000, "siren": "123456789", "prior_de_minimis_eur": None}
    r = compute_award(app, ctx(), prior_aids=aids, linked_sirens=["123456789"])
    assert r.de_minimis is not None and r.de_minimis.cumulated_before == D(200_000)
    assert r.fundable
    linked = compute_award(app, ctx(), prior_aids=aids, linked_sirens=["123456789", "987654321"])
    assert linked.de_minimis_status == "exceeds" and linked.de_minimis is not None
    assert linked.de_minimis.excess == D(40_000)


def test_not_eligible_gives_no_award() -> None:
    r = compute_award({**BASE, "deep_tech": 0}, ctx())
    assert not r.computed and not r.fundable and r.aid_eur is None
    assert r.explanation("en")[-1].startswith("Award not computed")


def test_parameters_used_make_each_figure_reproducible() -> None:
    r = award_for(BASE, scheme=startup(), at=AT, overrides={"aid_cap_eur": "100000"})
    assert r.aid_eur == D(100_000)
    used = r.parameters_used
    assert used is not None
    assert used["aid_cap_eur"].overridden_from == D(200_000)
    for name in (
        "grant_cap_eur",
        "eu_base_rate_fr",
        "borrower_rating",
        "gge_compounding",
        "advance_instalments",
        "gber22_age_limit_years",
        "envelope_eur",
    ):
        assert name in used
    assert used["eu_base_rate_fr"].status == "to_be_set_by_region"
    lines = r.explanation("fr")
    assert any(f"Aide : {format_money(D(100_000), 'fr', cents=False)}" in line for line in lines)


def test_intensity_scheme_rounds_down_to_the_euro() -> None:
    rd = find_scheme("ia-rd-projets", AT)
    app = {**BASE, "eligible_cost_eur": 200_001, "requested_eur": 500_000}
    r = award_for(app, scheme=rd, at=AT)
    # 45 % of 200,001 = 90,000.45 -> 90,000; grant part capped at 150,000.
    assert r.aid_eur == D(90_000) and r.limited_by == "intensity"
    assert (r.grant_eur, r.advance_eur) == (D(90_000), D(0))


def test_bad_override_is_a_config_error() -> None:
    with pytest.raises(AwardConfigError):
        AwardContext.build(startup(), AT, {"advance_frequency": "weekly"})
    with pytest.raises(AwardConfigError):
        AwardContext.build(find_scheme("ia-rd-projets", AT), AT, {"aid_intensity": "1.5"})
