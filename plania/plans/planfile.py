"""The plan file format (`format: plania-plan/1`), parsed and validated.

A plan file is YAML; every figure carries the key of its source and, ideally, the
sentence it comes from. Validation refuses, naming the file, the path inside the
document and the rule broken: an unknown field, a negative amount, axes not summing to
the plan's budget, sub-envelopes above their axis or parent, a floor above its cap, a
target without a period, an unknown source key, a duplicate code.

A bad *file* is refused the same way, before anything is written to the database: larger
than `PLANIA_PLAN_FILE_MAX_BYTES` (1 MiB; the shipped plan weighs 12 KB), not UTF-8
(the line and the byte), indented with tabs, cut short (YAML that stops in the middle of
a value, or no line break at the end), or a YAML document whose aliases expand to more
than `PLANIA_PLAN_FILE_MAX_NODES` values (100,000; "billion laughs": a few hundred bytes
that expand to 10^9 values).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from plania import config
from plania.rules.money import format_money

# Limits checked before the file is parsed (size) and before it is validated (expansion).
MAX_BYTES_ENV = "PLANIA_PLAN_FILE_MAX_BYTES"
MAX_NODES_ENV = "PLANIA_PLAN_FILE_MAX_NODES"


class PlanFileError(Exception):
    """A plan file that cannot be loaded; str() is '<file>: <path>: <what is wrong>'."""

    def __init__(self, file: str, problems: list[tuple[str, str]]):
        self.file = file
        self.problems = problems
        super().__init__(
            "\n".join(f"{file}: {path or '(document)'}: {message}" for path, message in problems)
        )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


NonNegative = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


class Bilingual(_Strict):
    fr: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Sourced(_Strict):
    source: str = Field(min_length=1)
    quote: str = ""


class Amount(Sourced):
    amount: NonNegative


class Period(_Strict):
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end <= self.start:
            raise ValueError("the period's end (excluded) must come after its start")
        return self


class Adoption(Sourced):
    date: dt.date | None = None
    by: Bilingual


class SourceDoc(_Strict):
    key: str = Field(min_length=1, pattern=r"^[a-z0-9-]+$")
    title: str = Field(min_length=1)
    url: str = ""
    published_on: dt.date | None = None
    note: str = ""


class EnvelopeDoc(_Strict):
    code: str = Field(pattern=r"^[a-z0-9-]+$")
    name: Bilingual
    summary: Bilingual | None = None
    cap: Amount | None = None
    floor: Amount | None = None
    budget_year: int | None = Field(default=None, ge=2000, le=2100)
    envelopes: list[EnvelopeDoc] = []


class TargetValue(Sourced):
    value: Decimal | None = Field(default=None, ge=0)
    ratio: Decimal | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one(self) -> TargetValue:
        if (self.value is None) == (self.ratio is None):
            raise ValueError("give either 'value' (a figure) or 'ratio' (times the baseline)")
        return self


class Baseline(Sourced):
    value: Decimal = Field(ge=0)
    year: int | None = None


class Computed(_Strict):
    metric: str = Field(min_length=1)
    scheme: str = ""


class Entered(_Strict):
    reported_by: str = Field(min_length=1)


class Measure(_Strict):
    computed: Computed | None = None
    entered: Entered | None = None

    @model_validator(mode="after")
    def _some(self) -> Measure:
        if self.computed is None and self.entered is None:
            raise ValueError("say how the target is measured: 'computed', 'entered' or both")
        return self


class TargetDoc(_Strict):
    code: str = Field(pattern=r"^[a-z0-9-]+$")
    scope: Literal["plan", "axis", "scheme"]
    scheme: str = ""
    name: Bilingual
    baseline: Baseline | None = None
    target: TargetValue
    unit: Bilingual
    period: Period
    frequency: Literal["total", "per_year"] = "total"
    measure: Measure

    @model_validator(mode="after")
    def _scheme_scope(self) -> TargetDoc:
        if self.scope == "scheme" and not self.scheme:
            raise ValueError("a target of scope 'scheme' names its scheme ('scheme: ...')")
        if self.target.ratio is not None and self.baseline is None and self.measure.entered is None:
            raise ValueError("a target given as a ratio needs a baseline, or an entered measure")
        return self


class Sector(_Strict):
    code: str
    fr: str
    en: str


class AxisDoc(_Strict):
    number: int = Field(ge=1)
    code: str = Field(pattern=r"^[a-z0-9-]+$")
    name: Bilingual
    summary: Bilingual | None = None
    budget: Amount
    envelopes: list[EnvelopeDoc] = []
    targets: list[TargetDoc] = []
    sectors: list[Sector] = []
    sectors_source: str | None = None


class ContextDoc(Sourced):
    code: str = Field(pattern=r"^[a-z0-9-]+$")
    fr: str
    en: str
    value: Decimal
    unit: Bilingual


class PlanDoc(_Strict):
    format: Literal["plania-plan/1"]
    code: str = Field(pattern=r"^[a-z0-9-]+$")
    kind: Literal["plan", "programme"]
    region: str
    related_plan: str | None = None
    name: Bilingual
    summary: Bilingual | None = None
    period: Period
    adoption: Adoption | None = None
    budget: Amount
    sources: list[SourceDoc] = Field(min_length=1)
    axes: list[AxisDoc] = []
    envelopes: list[EnvelopeDoc] = []
    targets: list[TargetDoc] = []
    context: list[ContextDoc] = []


def _walk_envelopes(envelopes: list[EnvelopeDoc], path: str) -> list[tuple[str, EnvelopeDoc]]:
    out = []
    for i, env in enumerate(envelopes):
        here = f"{path}[{i}]"
        out.append((here, env))
        out.extend(_walk_envelopes(env.envelopes, f"{here}.envelopes"))
    return out


def _eur(amount: Decimal) -> str:
    # The plan file's checks speak English (they name YAML paths): "€1,234.56".
    return format_money(amount, "en")


def _check_children(
    parent_cap: Decimal, parent_label: str, envelopes: list[EnvelopeDoc], path: str
) -> list[tuple[str, str]]:
    """Sub-envelopes' caps fit in their parent; floors fit under caps; recursively."""
    problems: list[tuple[str, str]] = []
    total = sum((e.cap.amount for e in envelopes if e.cap is not None), Decimal(0))
    if total > parent_cap:
        problems.append(
            (
                f"{path}",
                f"the sub-envelopes' caps add up to {_eur(total)}, above {parent_label} "
                f"({_eur(parent_cap)}) by {_eur(total - parent_cap)}",
            )
        )
    for i, env in enumerate(envelopes):
        here = f"{path}[{i}]"
        cap = env.cap.amount if env.cap is not None else parent_cap
        if env.cap is not None and env.cap.amount > parent_cap:
            problems.append(
                (
                    f"{here}.cap.amount",
                    f"envelope '{env.code}' has a cap of {_eur(env.cap.amount)}, above "
                    f"{parent_label} ({_eur(parent_cap)})",
                )
            )
        if env.floor is not None and env.floor.amount > cap:
            problems.append(
                (
                    f"{here}.floor.amount",
                    f"envelope '{env.code}' has a floor of {_eur(env.floor.amount)} above its "
                    f"cap ({_eur(cap)}); a floor is a minimum within the cap",
                )
            )
        problems.extend(
            _check_children(cap, f"envelope '{env.code}'", env.envelopes, f"{here}.envelopes")
        )
    return problems


def _semantic_problems(doc: PlanDoc) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    keys = [s.key for s in doc.sources]
    for i, key in enumerate(keys):
        if keys.index(key) != i:
            problems.append((f"sources[{i}].key", f"duplicate source key '{key}'"))
    known = set(keys)

    def check_source(path: str, key: str | None) -> None:
        if key is not None and key not in known:
            problems.append(
                (
                    path,
                    f"unknown source '{key}'; declare it under 'sources' (known: "
                    f"{', '.join(sorted(known))})",
                )
            )

    check_source("budget.source", doc.budget.source)
    if doc.adoption:
        check_source("adoption.source", doc.adoption.source)

    if doc.axes and doc.envelopes:
        problems.append(("envelopes", "a plan with axes puts its envelopes inside the axes"))
    if doc.axes:
        total = sum((a.budget.amount for a in doc.axes), Decimal(0))
        if total != doc.budget.amount:
            problems.append(
                (
                    "axes",
                    f"the axes' budgets add up to {_eur(total)} but the plan's budget is "
                    f"{_eur(doc.budget.amount)} (difference {_eur(total - doc.budget.amount)})",
                )
            )
    else:
        problems.extend(
            _check_children(doc.budget.amount, "the plan's budget", doc.envelopes, "envelopes")
        )

    numbers: dict[int, int] = {}
    codes: dict[str, str] = {}
    target_codes: dict[str, str] = {}

    def check_code(path: str, code: str, seen: dict[str, str]) -> None:
        if code in seen:
            problems.append((path, f"duplicate code '{code}' (already used at {seen[code]})"))
        seen[code] = path

    def check_targets(targets: list[TargetDoc], path: str) -> None:
        for i, t in enumerate(targets):
            here = f"{path}[{i}]"
            check_code(f"{here}.code", t.code, target_codes)
            check_source(f"{here}.target.source", t.target.source)
            if t.baseline:
                check_source(f"{here}.baseline.source", t.baseline.source)

    for i, axis in enumerate(doc.axes):
        here = f"axes[{i}]"
        if axis.number in numbers:
            problems.append((f"{here}.number", f"axis number {axis.number} is used twice"))
        numbers[axis.number] = i
        check_code(f"{here}.code", axis.code, codes)
        check_source(f"{here}.budget.source", axis.budget.source)
        check_source(f"{here}.sectors_source", axis.sectors_source)
        problems.extend(
            _check_children(
                axis.budget.amount,
                f"axis {axis.number}'s budget",
                axis.envelopes,
                f"{here}.envelopes",
            )
        )
        for env_path, env in _walk_envelopes(axis.envelopes, f"{here}.envelopes"):
            check_code(f"{env_path}.code", env.code, codes)
        check_targets(axis.targets, f"{here}.targets")
    for env_path, env in _walk_envelopes(doc.envelopes, "envelopes"):
        check_code(f"{env_path}.code", env.code, codes)
    for env_path, env in _walk_envelopes(
        [e for a in doc.axes for e in a.envelopes] + doc.envelopes, "envelopes"
    ):
        if env.cap:
            check_source(env_path + ".cap.source", env.cap.source)
        if env.floor:
            check_source(env_path + ".floor.source", env.floor.source)
    check_targets(doc.targets, "targets")
    for i, fig in enumerate(doc.context):
        check_source(f"context[{i}].source", fig.source)
    return problems


def _loc(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


_MESSAGES = {
    "extra_forbidden": "unknown field; remove it or check its spelling",
    "missing": "this field is required",
}


def _limit(name: str) -> int:
    """A limit of plan files, from the environment read once (plania.config)."""
    return int(getattr(config.env(), name))


class _TooLarge(Exception):
    pass


class _Recursive(Exception):
    pass


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """How many values the document has once its aliases are expanded, counted on the
    node graph (a shared node is counted once per use, computed once): linear in the
    file's size, never in the expansion's."""
    done: dict[int, int] = {}
    open_: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in done:
            return done[key]
        if key in open_:
            raise _Recursive
        open_.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        open_.discard(key)
        if total > limit:
            raise _TooLarge
        done[key] = total
        return total

    return size(root)


def _load_yaml(text: str, file: str) -> Any:
    """yaml.safe_load, with the expansion of aliases bounded before anything is built."""
    limit = _limit("plan_file_max_nodes")
    loader = yaml.SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            raise PlanFileError(
                file, [("", "the document is nested too deeply to be a plan file")]
            ) from None
        if node is None:
            return None
        try:
            _expanded_size(node, limit)
        except _TooLarge:
            raise PlanFileError(
                file,
                [
                    (
                        "",
                        f"the document expands to more than {limit:,} values through its "
                        "YAML aliases (*name repeats the value anchored &name); a plan file "
                        "has a few thousand: write the values out, or check where the file "
                        f"comes from ({MAX_NODES_ENV})",
                    )
                ],
            ) from None
        except _Recursive:
            raise PlanFileError(
                file,
                [("", "a YAML alias refers to a value that contains it: a plan file is a tree")],
            ) from None
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _yaml_problem(exc: yaml.YAMLError, text: str) -> tuple[str, str]:
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = str(getattr(exc, "problem", "") or "")
    if "'\\t'" in problem:  # PyYAML: "found character '\t' that cannot start any token"
        return where, (
            "not valid YAML: a tab character; YAML indents with spaces, never tabs: "
            "replace the tabs with spaces (most editors: convert indentation to spaces)"
        )
    if mark is not None and mark.index >= len(text.rstrip()):
        return where, (
            f"not valid YAML: the file ends in the middle of a value ({problem}): a "
            "closing quote or bracket is missing, or the file was cut short; copy or "
            "download it whole and load it again"
        )
    return where, f"not valid YAML: {exc}"


def parse_plan_text(text: str, file: str) -> PlanDoc:
    try:
        data: Any = _load_yaml(text, file)
    except yaml.YAMLError as exc:
        raise PlanFileError(file, [_yaml_problem(exc, text)]) from exc
    if not isinstance(data, dict):
        raise PlanFileError(file, [("", "a plan file is a YAML mapping (key: value)")])
    try:
        doc = PlanDoc.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            path = _loc(err["loc"])
            message = _MESSAGES.get(err["type"], err["msg"])
            if err["type"] == "missing" and path.endswith("period"):
                message = "a target needs a period (period: {start: YYYY-MM-DD, end: YYYY-MM-DD})"
            problems.append((path, message))
        raise PlanFileError(file, _cut_hint(text, problems)) from exc
    problems = _cut_hint(text, _semantic_problems(doc))
    if problems:
        raise PlanFileError(file, problems)
    return doc


def _cut_hint(text: str, problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A plan file ends with a line break. One that does not was most likely cut in the
    middle of its last line (an interrupted copy or download), and may still be valid
    YAML and even a valid plan, with the rest of its axes, targets or figures gone:
    reloading it would withdraw their money. So it is refused, whether or not it has
    other problems (then the cut may be their cause)."""
    if text and not text.endswith("\n"):
        problems = [
            *problems,
            (
                f"line {text.count(chr(10)) + 1}",
                "the file does not end with a line break: it may have been cut short (copy "
                "or download it whole); if its last line is complete, add a line break "
                "after it",
            ),
        ]
    return problems


def read_plan_file(path: str | Path) -> tuple[PlanDoc, str]:
    """Parse and validate a plan file; returns the document and the file's sha256."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise PlanFileError(str(path), [("", f"cannot read the file: {exc.strerror}")]) from exc
    limit = _limit("plan_file_max_bytes")
    if size > limit:
        raise PlanFileError(
            str(path),
            [
                (
                    "",
                    f"the file weighs {size:,} bytes, above the limit of {limit:,} "
                    f"({MAX_BYTES_ENV}); a plan file weighs a few dozen KB: is it the "
                    "right file?",
                )
            ],
        )
    try:
        with open(path, "rb") as f:
            raw = f.read(limit + 1)  # the file may have grown since stat()
    except OSError as exc:
        raise PlanFileError(str(path), [("", f"cannot read the file: {exc.strerror}")]) from exc
    if len(raw) > limit:
        raise PlanFileError(
            str(path), [("", f"the file weighs more than the limit of {limit:,} bytes")]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        start = raw.rfind(b"\n", 0, exc.start) + 1
        column = len(raw[start : exc.start].decode("utf-8", errors="replace")) + 1
        raise PlanFileError(
            str(path),
            [
                (
                    f"line {line}, column {column}",
                    f"byte 0x{raw[exc.start]:02X} is not UTF-8 (an accented letter saved as "
                    "Latin-1 or Windows-1252?): the file is not UTF-8 text; save it as UTF-8 "
                    "and load it again",
                )
            ],
        ) from exc
    return parse_plan_text(text, path.name), hashlib.sha256(raw).hexdigest()
