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

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
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


__all__ = [
    "DECLARED_AID_REGULATIONS",
    "FIELD_TYPES",
    "Choice",
    "CostCategory",
    "FormDefinition",
    "FormField",
    "FormModel",
    "Section",
    "build_form",
]
