"""Scheme version files: a scheme's rules as data an officer can read (DESIGN.md §4).

A file (YAML) holds, for one version of one scheme:

- `parameters`: dated values with their source and status (see `plania.rules.params`);
- `criteria`: eligibility criteria as data — an input field, an operator, a parameter and
  a message in French and English — or `all_of` / `any_of` groups of such conditions;
- `award`: the award formula from building blocks (cap, optional funding intensity on
  the eligible cost, grant part cap, remainder as repayable advance, rounding to the euro);
- `repayment`: the advance's repayment terms; `gge`: the settings of its gross grant
  equivalent (Communication 2008/C 14/02); `legal_basis`: when GBER art. 22 applies, de
  minimis otherwise; `envelope`: the scheme's budget for the version.

Every figure in those blocks is the *name* of a parameter, so that it is dated, sourced and
can be overridden in a simulation. A malformed file is refused with an error naming the
file, the path inside it (`criteria[2].operator`) and what was expected.
"""

import string
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal, TypeAlias

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from plania.rules import gge, schedules
from plania.rules.forms import FormDefinition, FormModel, build_form
from plania.rules.params import (
    STATUSES,
    DatedValue,
    Parameter,
    ParameterError,
    ParameterSet,
    ParamKind,
    Status,
    coerce_value,
)

SCHEMES_DIR = Path(__file__).resolve().parent.parent / "data" / "schemes"

# The application fields a criterion may read, and their kind. They are the columns of the
# simulation input (issue 3 item 9) and the fields of a dossier's company and project data.
InputKind: TypeAlias = Literal["date", "text", "integer", "amount", "flag"]
INPUT_FIELDS: dict[str, InputKind] = {
    "creation_date": "date",
    "application_date": "date",
    "department": "text",
    "headcount": "integer",
    "turnover_eur": "amount",
    "balance_sheet_eur": "amount",
    "deep_tech": "flag",
    "lab_collaboration": "flag",
    "eligible_cost_eur": "amount",
    "requested_eur": "amount",
    "prior_de_minimis_eur": "amount",
}

Operator: TypeAlias = Literal[
    "lt", "le", "gt", "ge", "in", "not_in", "is_true", "is_false", "age_years_lt", "age_years_ge"
]
COMPARISONS = ("lt", "le", "gt", "ge")
# operator -> (input kinds accepted, parameter kinds accepted; () = no parameter)
OPERATOR_TYPES: dict[str, tuple[tuple[InputKind, ...], tuple[ParamKind, ...]]] = {
    "lt": (("integer", "amount"), ("integer", "amount")),
    "le": (("integer", "amount"), ("integer", "amount")),
    "gt": (("integer", "amount"), ("integer", "amount")),
    "ge": (("integer", "amount"), ("integer", "amount")),
    "in": (("text",), ("text_list",)),
    "not_in": (("text",), ("text_list",)),
    "is_true": (("flag",), ()),
    "is_false": (("flag",), ()),
    "age_years_lt": (("date",), ("integer",)),
    "age_years_ge": (("date",), ("integer",)),
}
# The allowed texts come from the modules that use them, so the file format and the
# computation cannot drift apart.
RATINGS = gge.RATINGS
COLLATERALS = gge.COLLATERALS
COMPOUNDINGS = gge.COMPOUNDINGS
FREQUENCIES = schedules.FREQUENCIES


class SchemeFileError(ValueError):
    """A scheme file that cannot be used; `problems` lists (path inside the file, message)."""

    def __init__(self, file: Path | str, problems: Sequence[tuple[str, str]]) -> None:
        self.file = str(file)
        self.problems = list(problems)
        lines = [f"{self.file}: {path or '(root)'}: {msg}" for path, msg in self.problems]
        super().__init__(
            "Fichier de dispositif invalide / invalid scheme file:\n" + "\n".join(lines)
        )


class SchemeNotFound(LookupError):
    pass


# --- The file's schema (pydantic; extra fields are refused so that a typo is caught). ---


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TextModel(_Strict):
    fr: str = Field(min_length=1)
    en: str = Field(min_length=1)


class DatedValueModel(_Strict):
    start: date
    end: date | None = None
    value: Any
    status: Status
    source: str = Field(min_length=1)
    note: str = ""


class ParameterModel(_Strict):
    kind: ParamKind
    label: TextModel
    unit: str = ""
    values: list[DatedValueModel] = Field(min_length=1)


class ConditionModel(_Strict):
    input: str | None = None
    reference_input: str | None = None
    operator: Operator | None = None
    parameter: str | None = None
    all_of: list["ConditionModel"] | None = None
    any_of: list["ConditionModel"] | None = None


class CriterionModel(ConditionModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: TextModel
    message: TextModel


class RoundingModel(_Strict):
    unit_eur: Literal[1] = 1
    mode: Literal["down", "half_up"] = "down"


class AwardModel(_Strict):
    cap: str
    intensity: str | None = None
    grant_cap: str
    remainder: Literal["repayable_advance", "none"]
    rounding: RoundingModel = RoundingModel()


class RepaymentModel(_Strict):
    deferral_periods: str
    n_instalments: str
    frequency: str
    forgiveness_share_on_failure: str


class GgeModel(_Strict):
    base_rate: str
    rating: str
    collateral: str
    compounding: str


class LegalBasisModel(_Strict):
    gber_art22_when: ConditionModel
    otherwise: Literal["de_minimis"] = "de_minimis"


class SchemeModel(_Strict):
    scheme: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: str = Field(min_length=1)
    title: TextModel
    description: TextModel | None = None
    axis: str | None = None
    valid_from: date
    valid_until: date | None = None
    parameters: dict[str, ParameterModel] = Field(min_length=1)
    criteria: list[CriterionModel] = Field(min_length=1)
    award: AwardModel
    repayment: RepaymentModel
    gge: GgeModel
    legal_basis: LegalBasisModel
    envelope: str
    # The dossier form of this version (plania.rules.forms); optional.
    form: FormModel | None = None


# --- What the engine uses (plain frozen dataclasses). ---


@dataclass(frozen=True)
class Leaf:
    input: str
    operator: Operator
    parameter: str | None
    reference_input: str | None = None

    def inputs(self) -> tuple[str, ...]:
        return (self.input,) + ((self.reference_input,) if self.reference_input else ())

    def parameters(self) -> tuple[str, ...]:
        return (self.parameter,) if self.parameter else ()


@dataclass(frozen=True)
class Group:
    mode: Literal["all", "any"]
    items: tuple["Condition", ...]

    def inputs(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for item in self.items:
            for name in item.inputs():
                seen[name] = None
        return tuple(seen)

    def parameters(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for item in self.items:
            for name in item.parameters():
                seen[name] = None
        return tuple(seen)


Condition: TypeAlias = Leaf | Group


@dataclass(frozen=True)
class Criterion:
    id: str
    label_fr: str
    label_en: str
    message_fr: str
    message_en: str
    condition: Condition


@dataclass(frozen=True)
class AwardRule:
    cap: str
    intensity: str | None
    grant_cap: str
    remainder: Literal["repayable_advance", "none"]
    rounding_mode: Literal["down", "half_up"]


@dataclass(frozen=True)
class RepaymentRule:
    deferral_periods: str
    n_instalments: str
    frequency: str
    forgiveness_share_on_failure: str


@dataclass(frozen=True)
class GgeRule:
    base_rate: str
    rating: str
    collateral: str
    compounding: str


@dataclass(frozen=True)
class Scheme:
    """One version of one scheme, validated."""

    id: str
    version: str
    title_fr: str
    title_en: str
    valid_from: date
    valid_until: date | None
    parameters: ParameterSet
    criteria: tuple[Criterion, ...]
    award: AwardRule
    repayment: RepaymentRule
    gge: GgeRule
    gber_art22_when: Condition
    envelope: str
    source_file: str
    axis: str | None = None
    form: FormDefinition | None = None

    def covers(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_until is None or on < self.valid_until)

    def inputs(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for c in self.criteria:
            for name in c.condition.inputs():
                seen[name] = None
        return tuple(seen)


# --- Loading. ---


def _path(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _pydantic_problems(exc: ValidationError) -> list[tuple[str, str]]:
    problems = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unexpected field (not part of the scheme format)"
        elif err["type"] == "missing":
            msg = "required field is missing"
        elif "input" in err and err["type"] != "missing":
            msg = f"{msg} (got {err['input']!r})"
        problems.append((_path(loc), msg))
    return problems


class _Checker:
    """Cross-field checks pydantic cannot express: references, kinds, dates."""

    def __init__(self, model: SchemeModel) -> None:
        self.model = model
        self.problems: list[tuple[str, str]] = []
        self.kinds: dict[str, ParamKind] = {n: p.kind for n, p in model.parameters.items()}

    def err(self, path: str, msg: str) -> None:
        self.problems.append((path, msg))

    def param_ref(self, path: str, name: str | None, kinds: Sequence[ParamKind]) -> None:
        if name is None:
            return
        if name not in self.kinds:
            self.err(path, f"unknown parameter {name!r}; expected one of: {', '.join(self.kinds)}")
        elif self.kinds[name] not in kinds:
            self.err(
                path,
                f"parameter {name!r} is of kind {self.kinds[name]!r}; "
                f"expected {' or '.join(kinds)}",
            )

    def condition(self, path: str, c: ConditionModel) -> Condition | None:
        forms = [c.input is not None or c.operator is not None, bool(c.all_of), bool(c.any_of)]
        if sum(forms) != 1:
            self.err(
                path,
                "expected exactly one of: (input, operator[, parameter]), all_of, any_of",
            )
            return None
        if c.all_of or c.any_of:
            key = "all_of" if c.all_of else "any_of"
            items = c.all_of or c.any_of or []
            parsed = [self.condition(f"{path}.{key}[{i}]", item) for i, item in enumerate(items)]
            if any(p is None for p in parsed):
                return None
            return Group("all" if c.all_of else "any", tuple(p for p in parsed if p is not None))
        ok = True
        if c.input is None:
            self.err(f"{path}.input", "required field is missing")
            return None
        if c.operator is None:
            self.err(f"{path}.operator", "required field is missing")
            return None
        if c.input not in INPUT_FIELDS:
            self.err(
                f"{path}.input",
                f"unknown input field {c.input!r}; expected one of: {', '.join(INPUT_FIELDS)}",
            )
            return None
        input_kinds, param_kinds = OPERATOR_TYPES[c.operator]
        if INPUT_FIELDS[c.input] not in input_kinds:
            self.err(
                f"{path}.operator",
                f"operator {c.operator!r} applies to {' or '.join(input_kinds)} inputs; "
                f"{c.input!r} is {INPUT_FIELDS[c.input]!r}",
            )
            ok = False
        if param_kinds and c.parameter is None:
            self.err(f"{path}.parameter", f"operator {c.operator!r} needs a parameter")
            ok = False
        elif not param_kinds and c.parameter is not None:
            self.err(f"{path}.parameter", f"operator {c.operator!r} takes no parameter")
            ok = False
        else:
            before = len(self.problems)
            self.param_ref(f"{path}.parameter", c.parameter, param_kinds)
            ok = ok and len(self.problems) == before
        if c.operator.startswith("age_years"):
            if c.reference_input is None:
                self.err(
                    f"{path}.reference_input",
                    "an age criterion needs the date it is measured on (e.g. application_date)",
                )
                ok = False
            elif INPUT_FIELDS.get(c.reference_input) != "date":
                self.err(f"{path}.reference_input", "expected a date input field")
                ok = False
        elif c.reference_input is not None:
            self.err(f"{path}.reference_input", "only age operators take a reference_input")
            ok = False
        if not ok:
            return None
        return Leaf(c.input, c.operator, c.parameter, c.reference_input)

    def text_choice(self, path: str, name: str, allowed: Sequence[str]) -> None:
        before = len(self.problems)
        self.param_ref(path, name, ("text",))
        if len(self.problems) != before:
            return
        for i, v in enumerate(self.model.parameters[name].values):
            if v.value not in allowed:
                self.err(
                    f"parameters.{name}.values[{i}].value",
                    f"expected one of: {', '.join(allowed)} (got {v.value!r})",
                )


def _build_parameters(model: SchemeModel, checker: _Checker) -> ParameterSet | None:
    params: dict[str, Parameter] = {}
    for name, pm in model.parameters.items():
        values: list[DatedValue] = []
        for i, v in enumerate(pm.values):
            try:
                value = coerce_value(pm.kind, v.value)
            except ParameterError as exc:
                checker.err(f"parameters.{name}.values[{i}].value", str(exc))
                continue
            values.append(DatedValue(v.start, value, v.source, v.status, v.end, v.note))
        if len(values) != len(pm.values):
            continue
        try:
            params[name] = Parameter(
                name, pm.kind, pm.label.fr, pm.label.en, tuple(values), pm.unit
            )
        except ParameterError as exc:
            checker.err(f"parameters.{name}.values", str(exc))
    return ParameterSet(params) if not checker.problems else None


def parse_scheme(data: object, *, source: str = "<memory>") -> Scheme:
    """Validate the parsed content of a scheme file; raise SchemeFileError naming what is wrong."""
    try:
        model = SchemeModel.model_validate(data)
    except ValidationError as exc:
        raise SchemeFileError(source, _pydantic_problems(exc)) from None
    ck = _Checker(model)
    if model.valid_until is not None and model.valid_until <= model.valid_from:
        ck.err("valid_until", "expected a date after valid_from")
    params = _build_parameters(model, ck)
    criteria: list[Criterion] = []
    ids: set[str] = set()
    for i, cm in enumerate(model.criteria):
        if cm.id in ids:
            ck.err(f"criteria[{i}].id", f"duplicate criterion id {cm.id!r}")
        ids.add(cm.id)
        cond = ck.condition(f"criteria[{i}]", cm)
        for lang, text in (("fr", cm.message.fr), ("en", cm.message.en)):
            try:
                fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
            except ValueError as exc:
                ck.err(f"criteria[{i}].message.{lang}", f"malformed placeholder: {exc}")
                continue
            for f in fields:
                if cond is not None and f not in cond.parameters():
                    ck.err(
                        f"criteria[{i}].message.{lang}",
                        f"placeholder {{{f}}} is not a parameter of this criterion; expected "
                        f"one of: {', '.join(cond.parameters()) or '(none)'}",
                    )
        if cond is not None:
            criteria.append(
                Criterion(cm.id, cm.label.fr, cm.label.en, cm.message.fr, cm.message.en, cond)
            )
    a = model.award
    ck.param_ref("award.cap", a.cap, ("amount",))
    ck.param_ref("award.intensity", a.intensity, ("rate",))
    ck.param_ref("award.grant_cap", a.grant_cap, ("amount",))
    r = model.repayment
    ck.param_ref("repayment.deferral_periods", r.deferral_periods, ("integer",))
    ck.param_ref("repayment.n_instalments", r.n_instalments, ("integer",))
    ck.text_choice("repayment.frequency", r.frequency, FREQUENCIES)
    ck.param_ref(
        "repayment.forgiveness_share_on_failure", r.forgiveness_share_on_failure, ("rate",)
    )
    g = model.gge
    ck.param_ref("gge.base_rate", g.base_rate, ("rate",))
    ck.text_choice("gge.rating", g.rating, RATINGS)
    ck.text_choice("gge.collateral", g.collateral, COLLATERALS)
    ck.text_choice("gge.compounding", g.compounding, COMPOUNDINGS)
    ck.param_ref("envelope", model.envelope, ("amount",))
    basis = ck.condition("legal_basis.gber_art22_when", model.legal_basis.gber_art22_when)
    if params is not None:
        for name in (r.n_instalments,):
            if name in params:
                for i, v in enumerate(params[name].values):
                    if isinstance(v.value, int) and v.value < 1:
                        ck.err(f"parameters.{name}.values[{i}].value", "expected at least 1")
        for name in (r.deferral_periods,):
            if name in params:
                for i, v in enumerate(params[name].values):
                    if isinstance(v.value, int) and v.value < 0:
                        ck.err(f"parameters.{name}.values[{i}].value", "expected 0 or more")
    form = None
    if model.form is not None:
        form, form_problems = build_form(model.form, inputs=INPUT_FIELDS)
        ck.problems.extend(form_problems)
    if ck.problems or params is None or basis is None:
        raise SchemeFileError(source, ck.problems)
    return Scheme(
        id=model.scheme,
        version=model.version,
        title_fr=model.title.fr,
        title_en=model.title.en,
        valid_from=model.valid_from,
        valid_until=model.valid_until,
        parameters=params,
        criteria=tuple(criteria),
        award=AwardRule(a.cap, a.intensity, a.grant_cap, a.remainder, a.rounding.mode),
        repayment=RepaymentRule(
            r.deferral_periods, r.n_instalments, r.frequency, r.forgiveness_share_on_failure
        ),
        gge=GgeRule(g.base_rate, g.rating, g.collateral, g.compounding),
        gber_art22_when=basis,
        envelope=model.envelope,
        source_file=source,
        axis=model.axis,
        form=form,
    )


# libyaml's parser when PyYAML was built with it (the wheels are): the same safe
# constructor, ten times faster than the pure-Python parser (0.01 s instead of 0.1 s a
# scheme file, which `plania simulate` pays for each file it looks through).
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_scheme_file(path: Path | str) -> Scheme:
    """Read and validate one scheme file."""
    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise SchemeFileError(path, [(where, f"not valid YAML: {exc}")]) from None
    except OSError as exc:
        raise SchemeFileError(path, [("", f"cannot be read: {exc}")]) from None
    if not isinstance(data, Mapping):
        raise SchemeFileError(path, [("", "expected a mapping at the top of the file")])
    return parse_scheme(data, source=str(path))


def iter_scheme_files(directory: Path | str = SCHEMES_DIR) -> Iterator[Path]:
    yield from sorted(Path(directory).glob("*.yaml"))


def find_scheme(identifier: str, on: date, *, directory: Path | str = SCHEMES_DIR) -> Scheme:
    """The version of scheme `identifier` in force on `on` (or a path to a scheme file)."""
    if identifier.endswith((".yaml", ".yml")) and Path(identifier).is_file():
        return load_scheme_file(identifier)
    versions = [
        s for s in map(load_scheme_file, iter_scheme_files(directory)) if s.id == identifier
    ]
    if not versions:
        known = sorted({s.id for s in map(load_scheme_file, iter_scheme_files(directory))})
        raise SchemeNotFound(
            f"Dispositif inconnu / unknown scheme {identifier!r} (known: {', '.join(known)})"
        )
    in_force = [s for s in versions if s.covers(on)]
    if not in_force:
        spans = ", ".join(f"{s.version} [{s.valid_from}, {s.valid_until or '…'})" for s in versions)
        raise SchemeNotFound(
            f"Aucune version de {identifier!r} en vigueur le {on} / no version of "
            f"{identifier!r} in force on {on} (versions: {spans})"
        )
    return max(in_force, key=lambda s: s.valid_from)


__all__ = [
    "COLLATERALS",
    "COMPOUNDINGS",
    "FREQUENCIES",
    "INPUT_FIELDS",
    "RATINGS",
    "STATUSES",
    "AwardRule",
    "Condition",
    "Criterion",
    "GgeRule",
    "Group",
    "Leaf",
    "RepaymentRule",
    "Scheme",
    "SchemeFileError",
    "SchemeNotFound",
    "find_scheme",
    "load_scheme_file",
    "parse_scheme",
]
