"""Eligibility of one application against a scheme version, with its explanation.

Three-valued (Kleene) logic: a criterion passes, fails, or is unknown when an input it
needs is missing or unreadable. `all_of` fails as soon as one part fails, `any_of` passes
as soon as one part passes, so a missing turnover does not block an SME whose balance sheet
already settles the question. Overall: "no" if any criterion fails, else "unknown" if any
is unknown, else "yes". A missing input never raises: the result names what is missing.

Every result carries, per criterion, the value seen, the rule, the threshold and the
verdict in French and English: the intelligible account of the processing that CRPA
R311-3-1-2 requires for a decision taken on the basis of an algorithm.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Literal, TypeAlias

from plania.rules.money import format_day, format_money
from plania.rules.params import ParamValue, ResolvedParameter, format_value
from plania.rules.schemes import INPUT_FIELDS, Condition, Group, InputKind, Leaf, Scheme

Verdict: TypeAlias = Literal["pass", "fail", "unknown"]
Overall: TypeAlias = Literal["yes", "no", "unknown"]
InputValue: TypeAlias = date | int | Decimal | bool | str

# Kleene order fail < unknown < pass: "all" is the minimum, "any" the maximum. The vector
# path uses the same codes (0, 1, 2) so both paths combine verdicts identically.
VERDICT_CODE: dict[Verdict, int] = {"fail": 0, "unknown": 1, "pass": 2}
CODE_VERDICT: dict[int, Verdict] = {v: k for k, v in VERDICT_CODE.items()}
OVERALL_OF: dict[Verdict, Overall] = {"fail": "no", "unknown": "unknown", "pass": "yes"}

OPERATOR_TEXT: dict[str, tuple[str, str]] = {
    "lt": ("<", "<"),
    "le": ("≤", "≤"),
    "gt": (">", ">"),
    "ge": ("≥", "≥"),
    "in": ("dans", "in"),
    "not_in": ("hors de", "not in"),
    "is_true": ("= oui", "= yes"),
    "is_false": ("= non", "= no"),
    "age_years_lt": ("âge (années révolues) <", "age (full years) <"),
    "age_years_ge": ("âge (années révolues) ≥", "age (full years) ≥"),
}

VERDICT_WORDS: dict[Verdict, tuple[str, str]] = {
    "pass": ("rempli", "met"),
    "fail": ("non rempli", "not met"),
    "unknown": ("indéterminé", "undetermined"),
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CENT = Decimal("0.01")


class InvalidInput(ValueError):
    pass


def normalize_department(text: str) -> str:
    """ "9" -> "09": spreadsheets drop the leading zero of a département code."""
    text = text.strip().upper()
    return text.zfill(2) if text.isdigit() and len(text) == 1 else text


def normalize_input(name: str, kind: InputKind, raw: object) -> InputValue | None:
    """The typed value of an input, None when missing; InvalidInput when unreadable."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if kind == "date":
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        if isinstance(raw, str) and _ISO_DATE.match(raw.strip()):
            try:
                return date.fromisoformat(raw.strip())
            except ValueError:
                pass
        raise InvalidInput(f"expected a date YYYY-MM-DD, got {raw!r}")
    if kind == "flag":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, int) and raw in (0, 1):
            return bool(raw)
        if isinstance(raw, str) and raw.strip().lower() in {"1", "true", "oui", "yes"}:
            return True
        if isinstance(raw, str) and raw.strip().lower() in {"0", "false", "non", "no"}:
            return False
        raise InvalidInput(f"expected 0 or 1, got {raw!r}")
    if kind == "text":
        if not isinstance(raw, str):
            raise InvalidInput(f"expected a text, got {raw!r}")
        return normalize_department(raw) if name == "department" else raw.strip()
    # integer and amount
    if isinstance(raw, bool):
        raise InvalidInput(f"expected a number, got {raw!r}")
    try:
        if isinstance(raw, int | Decimal):
            number = Decimal(raw)
        elif isinstance(raw, str | float):
            number = Decimal(str(raw).strip())
        else:
            raise InvalidInput(f"expected a number, got {raw!r}")
    except InvalidOperation:
        raise InvalidInput(f"expected a number, got {raw!r}") from None
    if not number.is_finite() or number < 0:
        raise InvalidInput(f"expected a number >= 0, got {raw!r}")
    if kind == "integer":
        if number != number.to_integral_value():
            raise InvalidInput(f"expected a whole number, got {raw!r}")
        return int(number)
    if number != number.quantize(_CENT):
        raise InvalidInput(f"expected an amount with at most 2 decimals, got {raw!r}")
    return number


def full_years(born: date, on: date) -> int:
    """Age in full years on `on`: the anniversary day counts as the new year.

    Same arithmetic as the vector path's (yyyymmdd_on - yyyymmdd_born) // 10000, so a
    company created on 29 February turns one year older on 1 March in common years.
    """
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _fmt(value: object, lang: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return ("oui" if value else "non") if lang == "fr" else ("yes" if value else "no")
    if isinstance(value, date):
        return format_day(value, lang)
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def format_param(p: ResolvedParameter, lang: str) -> str:
    if p.kind == "amount" and isinstance(p.value, Decimal):
        return (
            format_money(p.value, "fr", cents=False)
            if lang == "fr"
            else format_money(p.value, "en", cents=False)
        )
    if isinstance(p.value, tuple):
        return ", ".join(p.value)
    return format_value(p.value)


def format_input(name: str, value: InputValue | None, lang: str) -> str:
    if isinstance(value, Decimal) and INPUT_FIELDS.get(name) == "amount":
        return (
            format_money(value, "fr", cents=False)
            if lang == "fr"
            else format_money(value, "en", cents=False)
        )
    return _fmt(value, lang)


@dataclass(frozen=True)
class LeafResult:
    """One comparison: input value seen, operator, threshold, verdict."""

    input: str
    operator: str
    parameter: str | None
    value: InputValue | None
    threshold: ParamValue | None
    verdict: Verdict
    reference_input: str | None = None
    reference_value: InputValue | None = None
    derived: int | None = None  # the age in full years, for age operators

    def text(self, lang: Literal["fr", "en"]) -> str:
        op = OPERATOR_TEXT[self.operator][0 if lang == "fr" else 1]
        seen = format_input(self.input, self.value, lang)
        if self.derived is not None:
            seen += (
                f" (âge au {_fmt(self.reference_value, 'fr')} : {self.derived} an(s))"
                if lang == "fr"
                else f" (age on {_fmt(self.reference_value, 'en')}: {self.derived} year(s))"
            )
        threshold = ""
        if isinstance(self.threshold, Decimal) and INPUT_FIELDS.get(self.input) == "amount":
            threshold = " " + format_input(self.input, self.threshold, lang)
        elif self.threshold is not None:
            threshold = " " + _fmt(self.threshold, lang)
        word = VERDICT_WORDS[self.verdict][0 if lang == "fr" else 1]
        sep = " ; " if lang == "fr" else "; "
        return f"{self.input} = {seen}{sep}{op}{threshold} → {word}"


@dataclass(frozen=True)
class CriterionResult:
    id: str
    label_fr: str
    label_en: str
    verdict: Verdict
    rule_fr: str
    rule_en: str
    values_seen: dict[str, InputValue | None]
    thresholds: dict[str, ParamValue]
    details: tuple[LeafResult, ...]
    missing: tuple[str, ...]
    invalid: dict[str, str] = field(default_factory=dict)

    @property
    def message_fr(self) -> str:
        head = {
            "pass": "Critère rempli",
            "fail": "Critère non rempli",
            "unknown": "Critère indéterminé",
        }[self.verdict]
        seen = " ; ".join(d.text("fr") for d in self.details)
        tail = ""
        if self.missing:
            tail += f" Donnée(s) manquante(s) : {', '.join(self.missing)}."
        if self.invalid:
            tail += (
                " Donnée(s) illisible(s) : "
                + "; ".join(f"{k} ({v})" for k, v in self.invalid.items())
                + "."
            )
        return f"{head} — {self.label_fr} : {self.rule_fr} Constaté : {seen}.{tail}"

    @property
    def message_en(self) -> str:
        head = {
            "pass": "Criterion met",
            "fail": "Criterion not met",
            "unknown": "Criterion undetermined",
        }[self.verdict]
        seen = "; ".join(d.text("en") for d in self.details)
        tail = ""
        if self.missing:
            tail += f" Missing input(s): {', '.join(self.missing)}."
        if self.invalid:
            tail += (
                " Unreadable input(s): "
                + "; ".join(f"{k} ({v})" for k, v in self.invalid.items())
                + "."
            )
        return f"{head} — {self.label_en}: {self.rule_en} Seen: {seen}.{tail}"


@dataclass(frozen=True)
class RulesContext:
    """A scheme version with its parameters resolved on one date (and overrides applied)."""

    scheme: Scheme
    at: date
    params: dict[str, ResolvedParameter]

    @classmethod
    def build(
        cls, scheme: Scheme, at: date, overrides: Mapping[str, object] | None = None
    ) -> "RulesContext":
        return cls(scheme, at, scheme.parameters.resolve(at, overrides))

    def value(self, name: str) -> ParamValue:
        return self.params[name].value


@dataclass(frozen=True)
class EligibilityResult:
    scheme_id: str
    scheme_version: str
    at: date
    overall: Overall
    criteria: tuple[CriterionResult, ...]
    missing: tuple[str, ...]
    inputs: dict[str, InputValue | None]
    parameters_used: dict[str, ResolvedParameter]

    @property
    def failed(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.criteria if c.verdict == "fail")

    @property
    def undetermined(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.criteria if c.verdict == "unknown")

    def explanation(self, lang: Literal["fr", "en"]) -> list[str]:
        head = {
            "fr": {"yes": "Éligible", "no": "Non éligible", "unknown": "Éligibilité indéterminée"},
            "en": {"yes": "Eligible", "no": "Not eligible", "unknown": "Eligibility undetermined"},
        }[lang][self.overall]
        lines = [head + (f" ({', '.join(self.missing)})" if self.missing else "")]
        for c in self.criteria:
            lines.append(c.message_fr if lang == "fr" else c.message_en)
        return lines


def read_inputs(
    application: Mapping[str, object], names: tuple[str, ...]
) -> tuple[dict[str, InputValue | None], dict[str, str]]:
    values: dict[str, InputValue | None] = {}
    invalid: dict[str, str] = {}
    for name in names:
        try:
            values[name] = normalize_input(name, INPUT_FIELDS[name], application.get(name))
        except InvalidInput as exc:
            values[name] = None
            invalid[name] = str(exc)
    return values, invalid


def _compare(op: str, value: InputValue, threshold: ParamValue) -> bool:
    if op in ("lt", "le", "gt", "ge"):
        assert isinstance(value, int | Decimal) and isinstance(threshold, int | Decimal)
        if op == "lt":
            return value < threshold
        if op == "le":
            return value <= threshold
        if op == "gt":
            return value > threshold
        return value >= threshold
    if op in ("in", "not_in"):
        assert isinstance(threshold, tuple)
        return (value in threshold) == (op == "in")
    if op == "is_true":
        return value is True
    if op == "is_false":
        return value is False
    raise AssertionError(f"unhandled operator {op}")  # pragma: no cover


def evaluate_condition(
    cond: Condition,
    values: Mapping[str, InputValue | None],
    params: Mapping[str, ResolvedParameter],
    out: list[LeafResult],
) -> Verdict:
    """Verdict of a condition tree; each leaf's result is appended to `out`."""
    if isinstance(cond, Group):
        codes = [VERDICT_CODE[evaluate_condition(c, values, params, out)] for c in cond.items]
        return CODE_VERDICT[min(codes) if cond.mode == "all" else max(codes)]
    leaf: Leaf = cond
    value = values.get(leaf.input)
    threshold = params[leaf.parameter].value if leaf.parameter else None
    ref = values.get(leaf.reference_input) if leaf.reference_input else None
    verdict: Verdict
    derived = None
    if value is None or (leaf.reference_input is not None and ref is None):
        verdict = "unknown"
    elif leaf.operator in ("age_years_lt", "age_years_ge"):
        assert isinstance(value, date) and isinstance(ref, date) and isinstance(threshold, int)
        derived = full_years(value, ref)
        ok = derived < threshold if leaf.operator == "age_years_lt" else derived >= threshold
        verdict = "pass" if ok else "fail"
    else:
        assert threshold is not None or leaf.operator in ("is_true", "is_false")
        ok = _compare(leaf.operator, value, threshold if threshold is not None else True)
        verdict = "pass" if ok else "fail"
    out.append(
        LeafResult(
            leaf.input,
            leaf.operator,
            leaf.parameter,
            value,
            threshold,
            verdict,
            leaf.reference_input,
            ref,
            derived,
        )
    )
    return verdict


def evaluate_eligibility(application: Mapping[str, object], ctx: RulesContext) -> EligibilityResult:
    """Evaluate every criterion of `ctx.scheme` on one application (a plain mapping)."""
    names = ctx.scheme.inputs()
    values, invalid = read_inputs(application, names)
    results: list[CriterionResult] = []
    for crit in ctx.scheme.criteria:
        details: list[LeafResult] = []
        verdict = evaluate_condition(crit.condition, values, ctx.params, details)
        pnames = crit.condition.parameters()
        fr = {n: format_param(ctx.params[n], "fr") for n in pnames}
        en = {n: format_param(ctx.params[n], "en") for n in pnames}
        crit_inputs = crit.condition.inputs()
        results.append(
            CriterionResult(
                id=crit.id,
                label_fr=crit.label_fr,
                label_en=crit.label_en,
                verdict=verdict,
                rule_fr=crit.message_fr.format_map(fr),
                rule_en=crit.message_en.format_map(en),
                values_seen={n: values[n] for n in crit_inputs},
                thresholds={n: ctx.params[n].value for n in pnames},
                details=tuple(details),
                # Only what blocks the verdict is reported missing: an `any_of` settled
                # by one branch does not need the other.
                missing=(
                    tuple(n for n in crit_inputs if values[n] is None)
                    if verdict == "unknown"
                    else ()
                ),
                invalid={n: invalid[n] for n in crit_inputs if n in invalid},
            )
        )
    overall = OVERALL_OF[CODE_VERDICT[min(VERDICT_CODE[r.verdict] for r in results)]]
    missing: dict[str, None] = {}
    for r in results:
        for n in r.missing:
            missing[n] = None
    used = {n: ctx.params[n] for c in ctx.scheme.criteria for n in c.condition.parameters()}
    return EligibilityResult(
        scheme_id=ctx.scheme.id,
        scheme_version=ctx.scheme.version,
        at=ctx.at,
        overall=overall,
        criteria=tuple(results),
        missing=tuple(missing),
        inputs=values,
        parameters_used=used,
    )


def check_eligibility(
    application: Mapping[str, object],
    *,
    scheme: Scheme,
    at: date,
    overrides: Mapping[str, object] | None = None,
) -> EligibilityResult:
    """Convenience wrapper: resolve the parameters on `at`, then evaluate."""
    return evaluate_eligibility(application, RulesContext.build(scheme, at, overrides))
