"""Scoring grids: parsing and validation of the grid files, weighted scores, panels.
Tables of (inputs) -> (outputs); no database."""

from decimal import Decimal

import pytest

from plania.rules.scoring import (
    SCORING_DIR,
    ScoringFileError,
    check_scores,
    criterion_means,
    find_grid,
    load_grid_file,
    panel_average,
    parse_grid,
    weighted_score,
)

D = Decimal


def grid_data(**changes):
    data = {
        "scheme": "demo",
        "version": "2025",
        "status": "example",
        "source": "test",
        "criteria": [
            {
                "id": "innovation",
                "label": {"fr": "Innovation", "en": "Innovation"},
                "description": {"fr": "d", "en": "d"},
                "weight": 3,
                "scale": {"min": 0, "max": 5},
            },
            {
                "id": "team",
                "label": {"fr": "Équipe", "en": "Team"},
                "description": {"fr": "d", "en": "d"},
                "weight": 1,
                "scale": {"min": 1, "max": 10},
            },
        ],
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("scheme", ["startup-industrie-demain", "ia-rd-projets"])
def test_the_shipped_grids_load_and_are_marked_examples(scheme):
    grid = find_grid(scheme, "2025")
    assert grid is not None
    assert grid.scheme == scheme and grid.version == "2025"
    assert grid.status == "example"  # proposals: "to be set by the Region" in the UI
    assert "Région" in grid.source
    assert len(grid.criteria) >= 4
    assert all(c.weight > 0 and c.scale_min < c.scale_max for c in grid.criteria)
    # Each share is rounded to the hundredth: their sum is 100 within that rounding.
    total = sum(grid.weight_share(c) for c in grid.criteria)
    assert abs(total - 100) <= D("0.01") * len(grid.criteria)


def test_no_grid_for_an_unknown_version():
    assert find_grid("startup-industrie-demain", "1999") is None


# (scores, weighted score out of 100): innovation weight 3 on 0..5, team weight 1 on 1..10
WEIGHTED = [
    ({"innovation": 5, "team": 10}, D("100.00")),
    ({"innovation": 0, "team": 1}, D("0.00")),
    # 3 x 1 + 1 x 0 over 4 = 75
    ({"innovation": 5, "team": 1}, D("75.00")),
    # 3 x (3/5) + 1 x (4/9) = 1.8 + 0.4444 = 2.2444 / 4 = 56.11 %
    ({"innovation": 3, "team": 5}, D("56.11")),
]


@pytest.mark.parametrize(("scores", "expected"), WEIGHTED)
def test_weighted_score(scores, expected):
    assert weighted_score(parse_grid(grid_data()), scores) == expected


def test_weighted_score_needs_every_criterion_on_its_scale():
    grid = parse_grid(grid_data())
    with pytest.raises(ValueError, match="team"):
        weighted_score(grid, {"innovation": 3})
    with pytest.raises(ValueError, match="outside"):
        weighted_score(grid, {"innovation": 6, "team": 2})


def test_panel_average_is_the_mean_of_exact_scores_rounded_once():
    grid = parse_grid(grid_data())
    panel = [{"innovation": 3, "team": 5}, {"innovation": 5, "team": 10}]
    # (56.1111... + 100) / 2 = 78.0555... -> 78.06
    assert panel_average(grid, panel) == D("78.06")
    assert panel_average(grid, []) is None
    assert criterion_means(grid, panel) == {"innovation": D("4.00"), "team": D("7.50")}
    assert criterion_means(grid, []) == {"innovation": None, "team": None}


# (scores given, problems)
CHECKS = [
    ({"innovation": 3, "team": 5}, {}),
    ({"innovation": "3", "team": " 5 "}, {}),
    ({"innovation": 3}, {"team": "missing"}),
    ({"innovation": 3, "team": ""}, {"team": "missing"}),
    ({"innovation": 6, "team": 5}, {"innovation": "out_of_range"}),
    ({"innovation": 3, "team": 0}, {"team": "out_of_range"}),
    ({"innovation": 2.5, "team": 5}, {"innovation": "not_integer"}),
    ({"innovation": True, "team": 5}, {"innovation": "not_integer"}),
    ({"innovation": "trois", "team": 5}, {"innovation": "not_integer"}),
    ({"innovation": 3, "team": 5, "market": 2}, {"market": "unknown"}),
]


@pytest.mark.parametrize(("scores", "problems"), CHECKS)
def test_check_scores(scores, problems):
    read, found = check_scores(parse_grid(grid_data()), scores)
    assert found == problems
    if not problems:
        assert read == {"innovation": 3, "team": 5}


# (change to the file, path named in the error)
BAD = [
    ({"status": "draft"}, "status"),
    ({"criteria": []}, "criteria"),
    ({"colour": "red"}, "colour"),
    ({"source": ""}, "source"),
]


@pytest.mark.parametrize(("changes", "path"), BAD)
def test_a_malformed_grid_is_refused_with_the_path(changes, path):
    with pytest.raises(ScoringFileError) as err:
        parse_grid(grid_data(**changes), source="grid.yaml")
    assert any(p.startswith(path) for p, _m in err.value.problems)
    assert "grid.yaml" in str(err.value)


def _criterion(**changes):
    c = dict(grid_data()["criteria"][0])
    c.update(changes)
    return c


@pytest.mark.parametrize(
    ("criterion", "message"),
    [
        (_criterion(weight=0), "greater than 0"),
        (_criterion(scale={"min": 5, "max": 5}), "must be below"),
        (_criterion(scale={"min": -1, "max": 5}), "never negative"),
        (_criterion(id="Innovation Score"), "lower-case identifier"),
    ],
)
def test_criterion_checks(criterion, message):
    with pytest.raises(ScoringFileError, match=message):
        parse_grid(grid_data(criteria=[criterion]))


def test_duplicate_criterion_ids_are_refused():
    c = grid_data()["criteria"][0]
    with pytest.raises(ScoringFileError, match="duplicate"):
        parse_grid(grid_data(criteria=[c, c]))


def test_the_file_name_must_match_scheme_and_version(tmp_path):
    import yaml

    path = tmp_path / "other-2025.yaml"
    path.write_text(yaml.safe_dump(grid_data()), encoding="utf-8")
    with pytest.raises(ScoringFileError, match="demo-2025.yaml"):
        load_grid_file(path)
    good = tmp_path / "demo-2025.yaml"
    good.write_text(yaml.safe_dump(grid_data()), encoding="utf-8")
    assert load_grid_file(good).ids() == ("innovation", "team")
    assert find_grid("demo", "2025", tmp_path) is not None


def test_every_shipped_grid_names_a_shipped_scheme_version():
    from plania.rules.schemes import iter_scheme_files, load_scheme_file

    versions = {(s.id, s.version) for s in map(load_scheme_file, iter_scheme_files())}
    for path in SCORING_DIR.glob("*.yaml"):
        grid = load_grid_file(path)
        assert (grid.scheme, grid.version) in versions
