"""The dossier form of a scheme version: an optional `form:` section of the scheme file.

    form:
      reference_prefix: SID            # dossier references: SID-2025-00042
      cost_categories:                 # the budget's cost lines pick one of these
        - {code: personnel, label: {fr: "Frais de personnel", en: "Staff costs"}}
      sections:
        - id: project
          title: {fr: "Le projet", en: "The project"}
          fields:
            - id: headcount
              type: integer            # text textarea integer amount date boolean choice lab
              label: {fr: "Effectif salarié", en: "Headcount"}
              help: {fr: "...", en: "..."}
              required: true
              min: 0
              input: headcount         # feeds this input of the eligibility criteria

A field whose `input` names a rules input (schemes.INPUT_FIELDS) gives the criteria their
value; its type must agree with the input's kind. A dossier keeps the scheme version (form
and rules) it was filed under (CONVENTIONS.md), so the form is part of the versioned file.

This module is pure Python, like the rest of the rules core: it parses and validates the
definition, and it cleans what a person typed (French number and date formats included)
into typed values, reporting each problem as a code with its limit. The web layer turns a
code into a sentence in the reader's language.
"""

import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field

FieldType: TypeAlias = Literal[
    "text", "textarea", "integer", "amount", "date", "boolean", "choice", "lab"
]
FIELD_TYPES: tuple[FieldType, ...] = (
    "text",
    "textarea",
    "integer",
    "amount",
    "date",
    "boolean",
    "choice",
    "lab",
)
# The rules input kind (schemes.INPUT_FIELDS) a field of each type can feed.
INPUT_KIND_OF_TYPE: dict[FieldType, str | None] = {
    "text": "text",
    "textarea": None,
    "integer": "integer",
    "amount": "amount",
    "date": "date",
    "boolean": "flag",
    "choice": "text",
    "lab": None,
}
# Without a stated max_length a text is still bounded (the database stores what is typed).
DEFAULT_MAX_LENGTH: dict[FieldType, int] = {"text": 300, "textarea": 10_000}
MAX_AMOUNT = Decimal("999999999999.99")  # DecimalField(max_digits=14, decimal_places=2)

ProblemCode: TypeAlias = Literal[
    "required",
    "invalid_text",
    "invalid_integer",
    "invalid_amount",
    "too_many_decimals",
    "negative",
    "too_large",
    "invalid_date",
    "invalid_boolean",
    "invalid_choice",
    "unknown_lab",
    "min",
    "max",
    "max_length",
]
Value: TypeAlias = str | int | Decimal | date | bool
Limit: TypeAlias = int | Decimal | date

# Regulations under which prior aid is declared (DOMAIN.md, "State aid").
DECLARED_AID_REGULATIONS: dict[str, tuple[str, str]] = {
    "de_minimis_2023_2831": (
        "De minimis général — règlement (UE) 2023/2831",
        "General de minimis — Regulation (EU) 2023/2831",
    ),
    "de_minimis_1407_2013": (
        "De minimis général — règlement (UE) 1407/2013 (avant 2024)",
        "General de minimis — Regulation (EU) 1407/2013 (before 2024)",
    ),
    "de_minimis_sieg_2023_2832": (
        "De minimis SIEG — règlement (UE) 2023/2832",
        "SGEI de minimis — Regulation (EU) 2023/2832",
    ),
    "de_minimis_agriculture_1408_2013": (
        "De minimis agricole — règlement (UE) 1408/2013",
        "Agricultural de minimis — Regulation (EU) 1408/2013",
    ),
    "de_minimis_fisheries_717_2014": (
        "De minimis pêche — règlement (UE) 717/2014",
        "Fisheries de minimis — Regulation (EU) 717/2014",
    ),
}


# --- The file's schema (pydantic; extra fields are refused so that a typo is caught). ---


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FormTextModel(_Strict):
    fr: str = Field(min_length=1)
    en: str = Field(min_length=1)


class ChoiceModel(_Strict):
    value: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    label: FormTextModel


class FieldModel(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: FieldType
    label: FormTextModel
    help: FormTextModel | None = None
    required: bool = False
    # Read per type by the checker (an integer, an amount or a date).
    min: Any = None
    max: Any = None
    max_length: int | None = Field(default=None, ge=1, le=100_000)
    choices: list[ChoiceModel] | None = None
    input: str | None = None


class SectionModel(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: FormTextModel
    description: FormTextModel | None = None
    fields: list[FieldModel] = Field(min_length=1)


class CostCategoryModel(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: FormTextModel


class FormModel(_Strict):
    reference_prefix: str | None = Field(default=None, pattern=r"^[A-Z]{2,6}$")
    cost_categories: list[CostCategoryModel] = Field(min_length=1)
    max_cost_lines: int = Field(default=50, ge=1, le=500)
    max_declared_aids: int = Field(default=20, ge=0, le=200)
    sections: list[SectionModel] = Field(min_length=1)


# --- What the web layer uses (plain frozen dataclasses). ---


@dataclass(frozen=True)
class Choice:
    value: str
    label_fr: str
    label_en: str


@dataclass(frozen=True)
class FormField:
    id: str
    type: FieldType
    label_fr: str
    label_en: str
    help_fr: str = ""
    help_en: str = ""
    required: bool = False
    min_value: Limit | None = None
    max_value: Limit | None = None
    max_length: int | None = None
    choices: tuple[Choice, ...] = ()
    input: str | None = None

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_fr

    def help(self, lang: str) -> str:
        return self.help_en if lang == "en" else self.help_fr


@dataclass(frozen=True)
class Section:
    id: str
    title_fr: str
    title_en: str
    description_fr: str
    description_en: str
    fields: tuple[FormField, ...]


@dataclass(frozen=True)
class CostCategory:
    code: str
    label_fr: str
    label_en: str


@dataclass(frozen=True)
class FormDefinition:
    sections: tuple[Section, ...]
    cost_categories: tuple[CostCategory, ...]
    reference_prefix: str | None = None
    max_cost_lines: int = 50
    max_declared_aids: int = 20

    def fields(self) -> Iterator[FormField]:
        for section in self.sections:
            yield from section.fields

    def field(self, field_id: str) -> FormField | None:
        return next((f for f in self.fields() if f.id == field_id), None)

    def field_for_input(self, input_name: str) -> FormField | None:
        return next((f for f in self.fields() if f.input == input_name), None)

    def lab_field(self) -> FormField | None:
        return next((f for f in self.fields() if f.type == "lab"), None)

    def inputs(self) -> tuple[str, ...]:
        return tuple(f.input for f in self.fields() if f.input)

    def category_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.cost_categories)


# --- Building the definition from its validated model. ---


def _limit(ftype: FieldType, raw: Any, path: str, problems: list[tuple[str, str]]) -> Limit | None:
    if raw is None:
        return None
    if ftype == "integer":
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        problems.append((path, f"expected a whole number for an integer field (got {raw!r})"))
        return None
    if ftype == "amount":
        if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
            problems.append((path, f"expected an amount (got {raw!r})"))
            return None
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            problems.append((path, f"expected an amount (got {raw!r})"))
            return None
        if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
            problems.append((path, f"expected an amount >= 0 with two decimals (got {raw!r})"))
            return None
        return value
    if ftype == "date":
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        if isinstance(raw, str):
            try:
                return date.fromisoformat(raw)
            except ValueError:
                pass
        problems.append((path, f"expected a date YYYY-MM-DD (got {raw!r})"))
        return None
    problems.append((path, f"min and max apply to integer, amount and date fields, not {ftype}"))
    return None


def build_form(
    model: FormModel, *, inputs: Mapping[str, str], prefix: str = "form"
) -> tuple[FormDefinition | None, list[tuple[str, str]]]:
    """Cross-field checks of a validated form model; (definition, []) or (None, problems).

    `inputs` is the rules core's input fields and kinds (schemes.INPUT_FIELDS).
    """
    problems: list[tuple[str, str]] = []
    seen_ids: set[str] = set()
    seen_sections: set[str] = set()
    seen_inputs: dict[str, str] = {}
    labs = 0
    sections: list[Section] = []
    for si, sm in enumerate(model.sections):
        spath = f"{prefix}.sections[{si}]"
        if sm.id in seen_sections:
            problems.append((f"{spath}.id", f"duplicate section id {sm.id!r}"))
        seen_sections.add(sm.id)
        fields: list[FormField] = []
        for fi, fm in enumerate(sm.fields):
            path = f"{spath}.fields[{fi}]"
            if fm.id in seen_ids:
                problems.append((f"{path}.id", f"duplicate field id {fm.id!r}"))
            seen_ids.add(fm.id)
            if fm.type == "lab":
                labs += 1
                if labs > 1:
                    problems.append((f"{path}.type", "a form has at most one lab field"))
            if fm.input is not None:
                kind = INPUT_KIND_OF_TYPE[fm.type]
                if fm.input not in inputs:
                    problems.append(
                        (
                            f"{path}.input",
                            f"unknown input field {fm.input!r}; expected one of: "
                            f"{', '.join(inputs)}",
                        )
                    )
                elif kind != inputs[fm.input]:
                    problems.append(
                        (
                            f"{path}.input",
                            f"input {fm.input!r} is {inputs[fm.input]!r}; a {fm.type} field "
                            + (f"gives {kind!r}" if kind else "feeds no input"),
                        )
                    )
                elif fm.input in seen_inputs:
                    problems.append(
                        (
                            f"{path}.input",
                            f"input {fm.input!r} is already given by field "
                            f"{seen_inputs[fm.input]!r}",
                        )
                    )
                else:
                    seen_inputs[fm.input] = fm.id
            if fm.type == "choice":
                if not fm.choices:
                    problems.append((f"{path}.choices", "a choice field needs choices"))
                elif len({c.value for c in fm.choices}) != len(fm.choices):
                    problems.append((f"{path}.choices", "duplicate choice value"))
            elif fm.choices is not None:
                problems.append((f"{path}.choices", "only choice fields take choices"))
            max_length = fm.max_length
            if fm.type in DEFAULT_MAX_LENGTH:
                max_length = max_length or DEFAULT_MAX_LENGTH[fm.type]
            elif max_length is not None:
                problems.append((f"{path}.max_length", "only text fields take max_length"))
            lo = _limit(fm.type, fm.min, f"{path}.min", problems)
            hi = _limit(fm.type, fm.max, f"{path}.max", problems)
            if lo is not None and hi is not None and type(lo) is type(hi):
                if lo > hi:  # type: ignore[operator]
                    problems.append((f"{path}.max", "expected max >= min"))
            fields.append(
                FormField(
                    id=fm.id,
                    type=fm.type,
                    label_fr=fm.label.fr,
                    label_en=fm.label.en,
                    help_fr=fm.help.fr if fm.help else "",
                    help_en=fm.help.en if fm.help else "",
                    required=fm.required,
                    min_value=lo,
                    max_value=hi,
                    max_length=max_length,
                    choices=tuple(
                        Choice(c.value, c.label.fr, c.label.en) for c in fm.choices or ()
                    ),
                    input=fm.input,
                )
            )
        sections.append(
            Section(
                id=sm.id,
                title_fr=sm.title.fr,
                title_en=sm.title.en,
                description_fr=sm.description.fr if sm.description else "",
                description_en=sm.description.en if sm.description else "",
                fields=tuple(fields),
            )
        )
    codes = [c.code for c in model.cost_categories]
    if len(set(codes)) != len(codes):
        problems.append((f"{prefix}.cost_categories", "duplicate cost category code"))
    if problems:
        return None, problems
    return (
        FormDefinition(
            sections=tuple(sections),
            cost_categories=tuple(
                CostCategory(c.code, c.label.fr, c.label.en) for c in model.cost_categories
            ),
            reference_prefix=model.reference_prefix,
            max_cost_lines=model.max_cost_lines,
            max_declared_aids=model.max_declared_aids,
        ),
        [],
    )


# --- Cleaning what a person typed. ---


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one value: a code and, for limits, the limit."""

    code: ProblemCode
    limit: Limit | None = None


class ValueRefused(ValueError):
    """A value that cannot be used; `problem` says why."""

    def __init__(self, code: ProblemCode, limit: Limit | None = None) -> None:
        super().__init__(code)
        self.problem = Problem(code, limit)


_SPACES = re.compile(r"[\s\u00a0\u202f_']+")
_FR_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TRUE_WORDS = frozenset({"oui", "yes", "true", "1", "on", "vrai"})
FALSE_WORDS = frozenset({"non", "no", "false", "0", "off", "faux"})


def is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def parse_amount(raw: object) -> Decimal:
    """An amount in euros as people type it: "12 000,50 €", "12000.50", "1.200,00"."""
    if isinstance(raw, bool):
        raise ValueRefused("invalid_amount")
    if isinstance(raw, int | Decimal):
        value = Decimal(raw)
    elif isinstance(raw, float | str):
        text = _SPACES.sub("", str(raw)).replace("€", "")
        text = re.sub(r"(?i)eur(os?)?", "", text)
        if "," in text and "." in text:
            # The last separator is the decimal one: "1.200,50" and "1,200.50".
            if text.rfind(",") > text.rfind("."):
                text = text.replace(".", "").replace(",", ".")
            else:
                text = text.replace(",", "")
        else:
            # French first: a lone comma is the decimal separator ("12,5" = 12.50).
            text = text.replace(",", ".")
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
            raise ValueRefused("invalid_amount")
        try:
            value = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern above is stricter
            raise ValueRefused("invalid_amount") from None
    else:
        raise ValueRefused("invalid_amount")
    if not value.is_finite():
        raise ValueRefused("invalid_amount")
    if value < 0:
        raise ValueRefused("negative")
    # Before quantize: a value of more than 26 whole digits cannot be quantized to the cent
    # in the default 28-digit context (decimal.InvalidOperation, a 500 on a 30-digit amount).
    if value > MAX_AMOUNT:
        raise ValueRefused("too_large", MAX_AMOUNT)
    if value != value.quantize(Decimal("0.01")):
        raise ValueRefused("too_many_decimals")
    return value.quantize(Decimal("0.01"))


def parse_integer(raw: object) -> int:
    if isinstance(raw, bool):
        raise ValueRefused("invalid_integer")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, Decimal) and raw.is_finite() and raw == raw.to_integral_value():
        return int(raw)
    if isinstance(raw, str):
        text = _SPACES.sub("", raw)
        if re.fullmatch(r"[+-]?\d{1,15}", text):
            return int(text)
    raise ValueRefused("invalid_integer")


def parse_date(raw: object) -> date:
    """A date as an ISO string (what <input type=date> sends) or as DD/MM/YYYY."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        text = raw.strip()
        try:
            if _ISO_DATE.match(text):
                return date.fromisoformat(text)
            m = _FR_DATE.match(text)
            if m:
                return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        except ValueError:
            pass
    raise ValueRefused("invalid_date")


def parse_boolean(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in TRUE_WORDS:
        return True
    if isinstance(raw, str) and raw.strip().lower() in FALSE_WORDS:
        return False
    raise ValueRefused("invalid_boolean")


def _check_limits(value: Limit, f: FormField) -> None:
    if f.min_value is not None and value < f.min_value:  # type: ignore[operator]
        raise ValueRefused("min", f.min_value)
    if f.max_value is not None and value > f.max_value:  # type: ignore[operator]
        raise ValueRefused("max", f.max_value)


def clean_value(f: FormField, raw: object, *, lab_codes: Collection[str] = ()) -> Value:
    """The typed value of one non-blank answer; raises ValueRefused."""
    if f.type in ("text", "textarea"):
        if not isinstance(raw, str):
            raise ValueRefused("invalid_text")
        text = raw.strip()
        if f.max_length is not None and len(text) > f.max_length:
            raise ValueRefused("max_length", f.max_length)
        return text
    if f.type == "integer":
        number = parse_integer(raw)
        _check_limits(number, f)
        return number
    if f.type == "amount":
        amount = parse_amount(raw)
        _check_limits(amount, f)
        return amount
    if f.type == "date":
        day = parse_date(raw)
        _check_limits(day, f)
        return day
    if f.type == "boolean":
        return parse_boolean(raw)
    if f.type == "choice":
        if not isinstance(raw, str) or raw.strip() not in {c.value for c in f.choices}:
            raise ValueRefused("invalid_choice")
        return raw.strip()
    # lab
    if not isinstance(raw, str) or raw.strip() not in lab_codes:
        raise ValueRefused("unknown_lab")
    return raw.strip()


@dataclass(frozen=True)
class CleanedAnswers:
    values: dict[str, Value | None]
    problems: dict[str, list[Problem]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def clean_answers(
    form: FormDefinition,
    answers: Mapping[str, object],
    *,
    lab_codes: Collection[str] = (),
    require: bool,
) -> CleanedAnswers:
    """Every answer typed, or a problem per field. `require=False` (a draft being saved)
    reports unreadable values only; `require=True` (a submission) also missing ones."""
    values: dict[str, Value | None] = {}
    problems: dict[str, list[Problem]] = {}
    for f in form.fields():
        raw = answers.get(f.id)
        if is_blank(raw):
            values[f.id] = None
            if require and f.required:
                problems[f.id] = [Problem("required")]
            continue
        try:
            values[f.id] = clean_value(f, raw, lab_codes=lab_codes)
        except ValueRefused as exc:
            values[f.id] = None
            problems[f.id] = [exc.problem]
    return CleanedAnswers(values, problems)


def rules_inputs(form: FormDefinition, values: Mapping[str, Value | None]) -> dict[str, object]:
    """The rules inputs the form's answers give (fields with an `input`)."""
    return {f.input: values.get(f.id) for f in form.fields() if f.input}


# --- Rows: the budget's cost lines and the prior aid declared. ---

COST_LINE_KEYS = ("label", "category", "amount", "eligible")
DECLARED_AID_KEYS = ("granting_body", "granted_on", "amount", "regulation")
COST_LABEL_MAX = 300
GRANTING_BODY_MAX = 300


@dataclass(frozen=True)
class CostLineValue:
    label: str
    category: str
    amount: Decimal | None
    eligible: bool


@dataclass(frozen=True)
class DeclaredAidValue:
    granting_body: str
    granted_on: date | None
    amount: Decimal | None
    regulation: str


def _text(raw: object) -> str:
    return raw.strip() if isinstance(raw, str) else ("" if raw is None else str(raw))


def row_is_blank(row: Mapping[str, object], keys: Sequence[str]) -> bool:
    return all(is_blank(row.get(k)) for k in keys)


def clean_cost_line(
    row: Mapping[str, object], *, categories: Collection[str], require: bool
) -> tuple[CostLineValue, dict[str, list[Problem]]]:
    problems: dict[str, list[Problem]] = {}
    label = _text(row.get("label"))
    if not label and require:
        problems["label"] = [Problem("required")]
    elif len(label) > COST_LABEL_MAX:
        problems["label"] = [Problem("max_length", COST_LABEL_MAX)]
    category = _text(row.get("category"))
    if not category:
        if require:
            problems["category"] = [Problem("required")]
    elif category not in categories:
        problems["category"] = [Problem("invalid_choice")]
    amount: Decimal | None = None
    if is_blank(row.get("amount")):
        if require:
            problems["amount"] = [Problem("required")]
    else:
        try:
            amount = parse_amount(row.get("amount"))
        except ValueRefused as exc:
            problems["amount"] = [exc.problem]
    raw_eligible = row.get("eligible")
    try:
        eligible = False if is_blank(raw_eligible) else parse_boolean(raw_eligible)
    except ValueRefused as exc:
        eligible = False
        problems["eligible"] = [exc.problem]
    return CostLineValue(label, category, amount, eligible), problems


def clean_declared_aid(
    row: Mapping[str, object], *, require: bool
) -> tuple[DeclaredAidValue, dict[str, list[Problem]]]:
    problems: dict[str, list[Problem]] = {}
    body = _text(row.get("granting_body"))
    if not body and require:
        problems["granting_body"] = [Problem("required")]
    elif len(body) > GRANTING_BODY_MAX:
        problems["granting_body"] = [Problem("max_length", GRANTING_BODY_MAX)]
    granted_on: date | None = None
    if is_blank(row.get("granted_on")):
        if require:
            problems["granted_on"] = [Problem("required")]
    else:
        try:
            granted_on = parse_date(row.get("granted_on"))
        except ValueRefused as exc:
            problems["granted_on"] = [exc.problem]
    amount: Decimal | None = None
    if is_blank(row.get("amount")):
        if require:
            problems["amount"] = [Problem("required")]
    else:
        try:
            amount = parse_amount(row.get("amount"))
        except ValueRefused as exc:
            problems["amount"] = [exc.problem]
    regulation = _text(row.get("regulation"))
    if not regulation:
        if require:
            problems["regulation"] = [Problem("required")]
    elif regulation not in DECLARED_AID_REGULATIONS:
        problems["regulation"] = [Problem("invalid_choice")]
    return DeclaredAidValue(body, granted_on, amount, regulation), problems


__all__ = [
    "DECLARED_AID_REGULATIONS",
    "FIELD_TYPES",
    "Choice",
    "CleanedAnswers",
    "CostCategory",
    "CostLineValue",
    "DeclaredAidValue",
    "FormDefinition",
    "FormField",
    "FormModel",
    "Problem",
    "Section",
    "ValueRefused",
    "build_form",
    "clean_answers",
    "clean_cost_line",
    "clean_declared_aid",
    "clean_value",
    "parse_amount",
    "parse_boolean",
    "parse_date",
    "parse_integer",
    "rules_inputs",
]
