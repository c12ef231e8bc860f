"""Eligibility of the startup scheme, criterion by criterion, with its edges (issue 3)."""

from datetime import date
from functools import cache
from typing import Any

import pytest

from plania.rules.eligibility import (
    RulesContext,
    check_eligibility,
    evaluate_eligibility,
    full_years,
)
from plania.rules.schemes import Scheme, find_scheme

AT = date(2025, 6, 1)


@cache
def startup() -> Scheme:
    return find_scheme("startup-industrie-demain", AT)


BASE: dict[str, Any] = {
    "application_id": "A1",
    "creation_date": "2020-03-15",
    "application_date": "2025-04-01",
    "department": "31",
    "headcount": 12,
    "turnover_eur": 800_000,
    "balance_sheet_eur": 1_500_000,
    "deep_tech": 1,
    "lab_collaboration": 1,
    "eligible_cost_eur": 300_000,
    "requested_eur": 200_000,
    "prior_de_minimis_eur": 0,
}

# (case, changes, criterion, verdict, overall)
CASES: list[tuple[str, dict[str, Any], str, str, str]] = [
    ("base", {}, "company_age", "pass", "yes"),
    # Age: under 8 on the application date; the 8th anniversary itself is too old.
    (
        "age edge: day before 8th anniversary",
        {"creation_date": "2017-06-01", "application_date": "2025-05-31"},
        "company_age",
        "pass",
        "yes",
    ),
    (
        "age edge: 8th anniversary",
        {"creation_date": "2017-06-01", "application_date": "2025-06-01"},
        "company_age",
        "fail",
        "no",
    ),
    (
        "age: created on 29 Feb, day before",
        {"creation_date": "2016-02-29", "application_date": "2024-02-28"},
        "company_age",
        "pass",
        "yes",
    ),
    (
        "age: created on 29 Feb, anniversary",
        {"creation_date": "2016-02-29", "application_date": "2024-02-29"},
        "company_age",
        "fail",
        "no",
    ),
    ("age: missing creation date", {"creation_date": None}, "company_age", "unknown", "unknown"),
    ("age: empty creation date", {"creation_date": ""}, "company_age", "unknown", "unknown"),
    (
        "age: missing application date",
        {"application_date": None},
        "company_age",
        "unknown",
        "unknown",
    ),
    ("age: unreadable date", {"creation_date": "2025-13-01"}, "company_age", "unknown", "unknown"),
    ("age: date object", {"creation_date": date(2024, 1, 1)}, "company_age", "pass", "yes"),
    # Territory: the 13 départements of Occitanie.
    ("territory: Hérault", {"department": "34"}, "located_in_occitanie", "pass", "yes"),
    (
        "territory: Ariège without its zero",
        {"department": "9"},
        "located_in_occitanie",
        "pass",
        "yes",
    ),
    ("territory: Paris", {"department": "75"}, "located_in_occitanie", "fail", "no"),
    ("territory: Corse", {"department": "2A"}, "located_in_occitanie", "fail", "no"),
    ("territory: missing", {"department": ""}, "located_in_occitanie", "unknown", "unknown"),
    # SME: headcount < 250 and (turnover <= 50M or balance sheet <= 43M).
    ("sme: 249 employees", {"headcount": 249}, "sme", "pass", "yes"),
    ("sme: 250 employees", {"headcount": 250}, "sme", "fail", "no"),
    (
        "sme: turnover exactly 50M",
        {"turnover_eur": 50_000_000, "balance_sheet_eur": 60_000_000},
        "sme",
        "pass",
        "yes",
    ),
    (
        "sme: turnover over, balance exactly 43M",
        {"turnover_eur": 50_000_001, "balance_sheet_eur": 43_000_000},
        "sme",
        "pass",
        "yes",
    ),
    (
        "sme: both over by one euro",
        {"turnover_eur": 50_000_001, "balance_sheet_eur": 43_000_001},
        "sme",
        "fail",
        "no",
    ),
    ("sme: turnover missing, balance settles it", {"turnover_eur": None}, "sme", "pass", "yes"),
    (
        "sme: turnover missing, balance over",
        {"turnover_eur": None, "balance_sheet_eur": 50_000_000},
        "sme",
        "unknown",
        "unknown",
    ),
    ("sme: headcount missing", {"headcount": None}, "sme", "unknown", "unknown"),
    (
        "sme: too many employees settles it despite missing turnover",
        {"headcount": 300, "turnover_eur": None, "balance_sheet_eur": None},
        "sme",
        "fail",
        "no",
    ),
    ("sme: negative headcount is unreadable", {"headcount": -1}, "sme", "unknown", "unknown"),
    # Deep tech and laboratory collaboration: flags.
    ("deep tech: no", {"deep_tech": 0}, "deep_tech", "fail", "no"),
    ("deep tech: True", {"deep_tech": True}, "deep_tech", "pass", "yes"),
    ("deep tech: missing", {"deep_tech": None}, "deep_tech", "unknown", "unknown"),
    ("deep tech: unreadable", {"deep_tech": "2"}, "deep_tech", "unknown", "unknown"),
    ("lab: no", {"lab_collaboration": "0"}, "lab_collaboration", "fail", "no"),
    ("lab: missing", {"lab_collaboration": None}, "lab_collaboration", "unknown", "unknown"),
    # Amounts stated.
    ("cost zero", {"eligible_cost_eur": 0}, "project_cost_stated", "fail", "no"),
    ("cost missing", {"eligible_cost_eur": None}, "project_cost_stated", "unknown", "unknown"),
    ("request zero", {"requested_eur": 0}, "amount_requested_stated", "fail", "no"),
    ("request with cents", {"requested_eur": "0.01"}, "amount_requested_stated", "pass", "yes"),
    (
        "request with a fraction of a cent",
        {"requested_eur": "10.001"},
        "amount_requested_stated",
        "unknown",
        "unknown",
    ),
    # A failure wins over an unknown elsewhere (Kleene "and").
    ("fail beats unknown", {"deep_tech": 0, "creation_date": None}, "deep_tech", "fail", "no"),
]


@pytest.mark.parametrize(
    ("changes", "criterion", "verdict", "overall"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_criterion(changes: dict[str, Any], criterion: str, verdict: str, overall: str) -> None:
    result = check_eligibility({**BASE, **changes}, scheme=startup(), at=AT)
    by_id = {c.id: c for c in result.criteria}
    assert by_id[criterion].verdict == verdict, by_id[criterion].message_en
    assert result.overall == overall


def test_missing_creation_date_says_what_is_missing() -> None:
    result = check_eligibility({**BASE, "creation_date": None}, scheme=startup(), at=AT)
    assert result.overall == "unknown"
    assert result.missing == ("creation_date",)
    age = result.criteria[0]
    assert "Donnée(s) manquante(s) : creation_date" in age.message_fr
    assert "Missing input(s): creation_date" in age.message_en


def test_unreadable_value_is_named() -> None:
    result = check_eligibility({**BASE, "deep_tech": "peut-être"}, scheme=startup(), at=AT)
    crit = {c.id: c for c in result.criteria}["deep_tech"]
    assert crit.invalid and "deep_tech" in crit.message_en and "peut-être" in crit.message_en


def test_empty_application_never_raises() -> None:
    result = check_eligibility({}, scheme=startup(), at=AT)
    assert result.overall == "unknown"
    assert set(result.missing) >= {"creation_date", "department", "headcount", "deep_tech"}


def test_explanation_carries_value_rule_threshold_and_verdict_in_both_languages() -> None:
    result = check_eligibility(
        {**BASE, "creation_date": "2017-06-01", "application_date": "2025-06-01"},
        scheme=startup(),
        at=AT,
    )
    age = result.criteria[0]
    assert age.values_seen == {
        "creation_date": date(2017, 6, 1),
        "application_date": date(2025, 6, 1),
    }
    assert age.thresholds == {"max_company_age_years": 8}
    assert age.rule_fr.startswith("L'entreprise doit avoir moins de 8 ans")
    assert "âge au 1 juin 2025 : 8 an(s)" in age.message_fr and "non rempli" in age.message_fr
    assert "age on June 1, 2025: 8 year(s)" in age.message_en and "not met" in age.message_en
    assert result.explanation("fr")[0] == "Non éligible"
    assert result.parameters_used["max_company_age_years"].source.startswith("Article de presse")


def test_overrides_change_the_threshold() -> None:
    ctx = RulesContext.build(startup(), AT, {"max_company_age_years": "9"})
    app = {**BASE, "creation_date": "2017-06-01", "application_date": "2025-06-01"}
    assert evaluate_eligibility(app, ctx).overall == "yes"


@pytest.mark.parametrize(
    ("born", "on", "years"),
    [
        (date(2017, 6, 1), date(2025, 5, 31), 7),
        (date(2017, 6, 1), date(2025, 6, 1), 8),
        (date(2016, 2, 29), date(2017, 2, 28), 0),
        (date(2016, 2, 29), date(2017, 3, 1), 1),
        (date(2025, 6, 2), date(2025, 6, 1), -1),
    ],
)
def test_full_years(born: date, on: date, years: int) -> None:
    assert full_years(born, on) == years
    # The vector path's arithmetic on yyyymmdd keys gives the same.
    key = lambda d: d.year * 10000 + d.month * 100 + d.day  # noqa: E731
    assert (key(on) - key(born)) // 10000 == years
