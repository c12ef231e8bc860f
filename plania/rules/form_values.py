"""Cleaning what a person typed into a scheme's dossier form (`plania.rules.forms` defines
the form): French number and date formats, limits, choices, cost lines and declared aid,
each problem reported as a code with its limit (the web layer words it). Pure Python, like
the rest of the rules core.
"""

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from plania.rules.forms import (
    DECLARED_AID_REGULATIONS,
    MAX_AMOUNT,
    FormDefinition,
    FormField,
    Limit,
    ProblemCode,
    Value,
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
    "CleanedAnswers",
    "CostLineValue",
    "DeclaredAidValue",
    "Problem",
    "ValueRefused",
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
