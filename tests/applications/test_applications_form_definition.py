"""The `form:` section of a scheme file (plania/rules/forms.py): parsed and validated like
the rest of the file, and the cleaning of typed values. No database."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from plania.rules.form_values import (
    Problem,
    ValueRefused,
    clean_answers,
    clean_cost_line,
    clean_declared_aid,
    parse_amount,
    parse_date,
    parse_integer,
)
from plania.rules.schemes import (
    SCHEMES_DIR,
    SchemeFileError,
    iter_scheme_files,
    load_scheme_file,
    parse_scheme,
)

STARTUP = SCHEMES_DIR / "startup-industrie-demain-2025.yaml"


def _data() -> dict:
    return yaml.safe_load(STARTUP.read_text(encoding="utf-8"))


def test_every_shipped_scheme_has_a_form_that_feeds_its_criteria():
    for path in iter_scheme_files():
        scheme = load_scheme_file(path)
        assert scheme.form is not None, path
        # Each input of a criterion comes from the company, the calendar, the budget or
        # a field of the form.
        outside_form = {"creation_date", "department", "application_date", "eligible_cost_eur"}
        for name in scheme.inputs():
            assert name in outside_form or scheme.form.field_for_input(name), (path, name)


def test_startup_form():
    form = load_scheme_file(STARTUP).form
    assert form.reference_prefix == "SID"
    assert form.field("headcount").input == "headcount"
    assert form.field("deep_tech").type == "boolean"
    assert form.lab_field().id == "lab"
    assert form.field("start_date").max_value == date(2027, 12, 31)
    assert form.field("requested_eur").min_value == Decimal("1")
    assert form.field("summary").max_length == 4000
    assert form.field("lab_other").max_length == 300
    assert "personnel" in form.category_codes()


@pytest.mark.parametrize(
    "change, path, expected",
    [
        (
            lambda f: f["sections"][0]["fields"][0].update(type="colour"),
            "form.sections[0].fields[0].type",
            "Input should be",
        ),
        (
            lambda f: f["sections"][0]["fields"][0].update(maxi=3),
            "form.sections[0].fields[0].maxi",
            "unexpected field",
        ),
        (
            lambda f: f["sections"][1]["fields"][0].update(input="shoe_size"),
            "form.sections[1].fields[0].input",
            "unknown input field 'shoe_size'",
        ),
        (
            lambda f: f["sections"][1]["fields"][0].update(input="deep_tech"),
            "form.sections[1].fields[0].input",
            "input 'deep_tech' is 'flag'; a integer field gives 'integer'",
        ),
        (
            lambda f: f["sections"][0]["fields"][3].update(min="un"),
            "form.sections[0].fields[3].min",
            "expected a whole number",
        ),
        (
            lambda f: f["sections"][0]["fields"][3].update(min=10, max=2),
            "form.sections[0].fields[3].max",
            "expected max >= min",
        ),
        (
            lambda f: f["sections"][0]["fields"][1].update(id="project_title"),
            "form.sections[0].fields[1].id",
            "duplicate field id 'project_title'",
        ),
        (
            lambda f: f["sections"][1]["fields"][3].update(choices=[]),
            "form.sections[1].fields[3].choices",
            "a choice field needs choices",
        ),
        (
            lambda f: f["sections"][0]["fields"][0].update(
                choices=[{"value": "a", "label": {"fr": "A", "en": "A"}}]
            ),
            "form.sections[0].fields[0].choices",
            "only choice fields take choices",
        ),
        (
            lambda f: f["sections"][0]["fields"].append(
                dict(f["sections"][2]["fields"][1], id="lab2")
            ),
            "form.sections[2].fields[1].type",
            "at most one lab field",
        ),
        (
            lambda f: f.update(reference_prefix="sid"),
            "form.reference_prefix",
            "String should match pattern",
        ),
        (
            lambda f: f["cost_categories"].append(dict(f["cost_categories"][0])),
            "form.cost_categories",
            "duplicate cost category code",
        ),
    ],
)
def test_a_malformed_form_is_refused_with_path_and_expectation(change, path, expected):
    data = _data()
    change(data["form"])
    with pytest.raises(SchemeFileError) as refused:
        parse_scheme(data, source="startup.yaml")
    problems = dict(refused.value.problems)
    assert path in problems, problems
    assert expected in problems[path]


def test_a_scheme_without_form_still_loads(tmp_path: Path):
    data = _data()
    del data["form"]
    assert parse_scheme(data).form is None


@pytest.mark.parametrize(
    "text, value",
    [
        ("12 000,50 €", Decimal("12000.50")),
        ("12\u202f000", Decimal("12000.00")),
        ("1.200,00", Decimal("1200.00")),
        ("1,200.00", Decimal("1200.00")),
        ("12,5", Decimal("12.50")),
        ("EUR 300", Decimal("300.00")),
        (150000, Decimal("150000.00")),
        ("0", Decimal("0.00")),
    ],
)
def test_amounts_as_people_type_them(text, value):
    assert parse_amount(text) == value


@pytest.mark.parametrize(
    "text, code",
    [
        ("abc", "invalid_amount"),
        ("-5", "negative"),
        ("1,234", "too_many_decimals"),
        ("1e5", "invalid_amount"),
        (True, "invalid_amount"),
        ("9" * 20, "too_large"),
        # Past the 28 digits of decimal's context: refused, not an InvalidOperation.
        ("9" * 30, "too_large"),
        ("1" * 40 + ",5", "too_large"),
    ],
)
def test_unreadable_amounts(text, code):
    with pytest.raises(ValueRefused) as refused:
        parse_amount(text)
    assert refused.value.problem.code == code


def test_integers_and_dates():
    assert parse_integer(" 1 200 ") == 1200
    assert parse_date("15/03/2021") == date(2021, 3, 15)
    assert parse_date("2021-03-15") == date(2021, 3, 15)
    for bad, parse in (
        ("12.5", parse_integer),
        ("31/02/2021", parse_date),
        ("2021-3-5", parse_date),
    ):
        with pytest.raises(ValueRefused):
            parse(bad)


def test_clean_answers_require_only_at_submission():
    form = load_scheme_file(STARTUP).form
    typed = {"headcount": "douze", "trl": "0", "deep_tech": "peut-être", "lab": "mit-csail"}
    draft = clean_answers(form, typed, lab_codes={"laas-cnrs"}, require=False)
    assert draft.problems == {
        "headcount": [Problem("invalid_integer")],
        "trl": [Problem("min", 1)],
        "deep_tech": [Problem("invalid_boolean")],
        "lab": [Problem("unknown_lab")],
    }
    final = clean_answers(form, typed, lab_codes={"laas-cnrs"}, require=True)
    assert final.problems["project_title"] == [Problem("required")]
    assert "lab_other" not in final.problems  # optional
    ok = clean_answers(form, {"headcount": "12", "deep_tech": "non"}, require=False)
    assert ok.values["headcount"] == 12 and ok.values["deep_tech"] is False


def test_rows():
    line, problems = clean_cost_line(
        {"label": "Cloud", "category": "personnel", "amount": "1 000", "eligible": "oui"},
        categories={"personnel"},
        require=True,
    )
    assert problems == {} and line.amount == Decimal("1000.00") and line.eligible
    _, problems = clean_cost_line({"label": "", "amount": "x"}, categories=set(), require=True)
    assert set(problems) == {"label", "category", "amount"}
    aid, problems = clean_declared_aid(
        {
            "granting_body": "Bpifrance",
            "granted_on": "01/02/2024",
            "amount": "5000",
            "regulation": "de_minimis_2023_2831",
        },
        require=True,
    )
    assert problems == {} and aid.granted_on == date(2024, 2, 1)
    _, problems = clean_declared_aid({"regulation": "other"}, require=False)
    assert problems == {"regulation": [Problem("invalid_choice")]}
