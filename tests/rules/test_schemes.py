"""Scheme files: the shipped ones load; a malformed one is refused with file, path, expectation."""

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from plania.rules.schemes import (
    SCHEMES_DIR,
    SchemeFileError,
    SchemeNotFound,
    find_scheme,
    load_scheme_file,
    parse_scheme,
)

STARTUP = SCHEMES_DIR / "startup-industrie-demain-2025.yaml"
RD = SCHEMES_DIR / "ia-rd-projets-2025.yaml"


def _data() -> dict[str, Any]:
    data = yaml.safe_load(STARTUP.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_startup_scheme_is_the_seed() -> None:
    s = find_scheme("startup-industrie-demain", date(2025, 6, 1))
    p = s.parameters.resolve(date(2025, 6, 1))
    assert s.version == "2025"
    assert p["envelope_eur"].value == 2_000_000 and p["envelope_eur"].status == "set"
    assert p["aid_cap_eur"].value == 200_000 and p["grant_cap_eur"].value == 50_000
    assert p["max_company_age_years"].value == 8
    assert s.award.intensity is None  # the seed states no intensity cap
    assert s.award.remainder == "repayable_advance"
    for name in (
        "advance_deferral_periods",
        "advance_instalments",
        "advance_frequency",
        "advance_forgiveness_share",
        "eu_base_rate_fr",
        "borrower_rating",
        "collateral_level",
        "gge_compounding",
    ):
        assert p[name].status == "to_be_set_by_region", name
    assert {c.id for c in s.criteria} >= {
        "company_age",
        "located_in_occitanie",
        "sme",
        "deep_tech",
        "lab_collaboration",
    }


def test_occitanie_list_matches_the_shared_data() -> None:
    shared = Path(__file__).resolve().parents[3] / "shared" / "data" / "occitanie-departements.json"
    if not shared.exists():
        pytest.skip("shared/ data not beside the repository")
    deps = tuple(sorted(json.loads(shared.read_text())["departements"]))
    s = find_scheme("startup-industrie-demain", date(2025, 6, 1))
    assert s.parameters.resolve(date(2025, 6, 1))["occitanie_departements"].value == deps


def test_second_scheme_is_all_examples() -> None:
    s = load_scheme_file(RD)
    assert s.id == "ia-rd-projets" and s.award.intensity == "aid_intensity"
    statuses = {v.status for p in s.parameters.parameters.values() for v in p.values}
    assert statuses == {"example"}


def test_no_version_in_force_and_unknown_scheme() -> None:
    with pytest.raises(SchemeNotFound, match="no version"):
        find_scheme("startup-industrie-demain", date(2026, 3, 1))
    with pytest.raises(SchemeNotFound, match="unknown scheme"):
        find_scheme("nope", date(2025, 3, 1))


def _breaks(mutate: Any) -> SchemeFileError:
    data = copy.deepcopy(_data())
    mutate(data)
    with pytest.raises(SchemeFileError) as err:
        parse_scheme(data, source="bad.yaml")
    return err.value


def _set(path: list[Any], value: Any) -> Any:
    def mutate(data: dict[str, Any]) -> None:
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return mutate


MALFORMED = [
    (
        _set(["criteria", 2, "all_of", 0, "operator"], "lower"),
        "criteria[2].all_of[0].operator",
        "'lt'",
    ),
    (_set(["criteria", 0, "operator"], "lower_than"), "criteria[0].operator", "Input should be"),
    (_set(["criteria", 1, "parameter"], "nowhere"), "criteria[1].parameter", "unknown parameter"),
    (_set(["criteria", 1, "input"], "city"), "criteria[1].input", "unknown input field"),
    (_set(["criteria", 3, "operator"], "lt"), "criteria[3].operator", "applies to integer"),
    (_set(["criteria", 0, "colour"], "red"), "criteria[0].colour", "unexpected field"),
    (_set(["award", "cap"], "grant_cap_typo"), "award.cap", "unknown parameter"),
    (_set(["award", "grant_cap"], "max_company_age_years"), "award.grant_cap", "kind 'integer'"),
    (_set(["gge", "compounding"], "advance_instalments"), "gge.compounding", "kind 'integer'"),
    (
        _set(["parameters", "borrower_rating", "values", 0, "value"], "excellent"),
        "parameters.borrower_rating.values[0].value",
        "expected one of",
    ),
    (
        _set(["parameters", "aid_cap_eur", "values", 0, "value"], "200k"),
        "parameters.aid_cap_eur.values[0].value",
        "expected a number",
    ),
    (
        _set(["parameters", "aid_cap_eur", "values", 0, "status"], "maybe"),
        "parameters.aid_cap_eur.values[0].status",
        "'to_be_set_by_region'",
    ),
    (
        _set(["parameters", "aid_cap_eur", "values", 0, "source"], ""),
        "parameters.aid_cap_eur.values[0].source",
        "at least 1 character",
    ),
    (
        _set(["parameters", "advance_instalments", "values", 0, "value"], 0),
        "parameters.advance_instalments.values[0].value",
        "at least 1",
    ),
    (
        _set(["criteria", 0, "message", "fr"], "moins de {age} ans"),
        "criteria[0].message.fr",
        "placeholder {age}",
    ),
    (
        _set(["criteria", 0, "reference_input"], None),
        "criteria[0].reference_input",
        "age criterion",
    ),
    (
        _set(["criteria", 4, "parameter"], "aid_cap_eur"),
        "criteria[4].parameter",
        "takes no parameter",
    ),
    (_set(["legal_basis", "otherwise"], "gber"), "legal_basis.otherwise", "de_minimis"),
    (_set(["valid_until"], "2024-01-01"), "valid_until", "after valid_from"),
    (lambda d: d.pop("envelope"), "envelope", "required field is missing"),
    (
        lambda d: d["criteria"][2].update({"input": "headcount"}),
        "criteria[2]",
        "exactly one of",
    ),
]


@pytest.mark.parametrize(("mutate", "path", "message"), MALFORMED)
def test_malformed_scheme_is_refused_with_path_and_expectation(
    mutate: Any, path: str, message: str
) -> None:
    err = _breaks(mutate)
    assert err.file == "bad.yaml"
    matching = [m for p, m in err.problems if p == path]
    assert matching, err.problems
    assert any(message in m for m in matching), matching
    assert f"bad.yaml: {path}: " in str(err)


def test_duplicate_criterion_id() -> None:
    err = _breaks(lambda d: d["criteria"].append(copy.deepcopy(d["criteria"][0])))
    assert any("duplicate criterion id" in m for _, m in err.problems)


def test_invalid_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text("scheme: x\ncriteria: [\n", encoding="utf-8")
    with pytest.raises(SchemeFileError) as err:
        load_scheme_file(bad)
    assert str(bad) in str(err.value) and "line" in err.value.problems[0][0]


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    bad = tmp_path / "list.yaml"
    bad.write_text("- 1\n", encoding="utf-8")
    with pytest.raises(SchemeFileError, match="expected a mapping"):
        load_scheme_file(bad)
