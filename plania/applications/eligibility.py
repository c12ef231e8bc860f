"""The bridge from dossiers to the rules core's eligibility: which inputs come from where,
and the explanation as JSON (kept with the dossier, in French and English).

Inputs: the company's creation date and département come from its record (SIRENE, or
typed by hand and flagged unverified); the application date is the submission day
(Europe/Paris); the eligible cost is the sum of the eligible cost lines; prior de minimis
aid is the sum of the aid declared within the regime's window; every other input comes
from the form field that names it (`input:` in the scheme file's form).
"""

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from plania.rules import deminimis
from plania.rules.eligibility import (
    EligibilityResult,
    InputValue,
    RulesContext,
    evaluate_eligibility,
    format_input,
)
from plania.rules.form_values import parse_amount, parse_boolean, parse_date, parse_integer
from plania.rules.schemes import Scheme

INPUT_LABELS = {
    "creation_date": _("Date de création de l'entreprise"),
    "application_date": _("Date de dépôt du dossier"),
    "department": _("Département du siège"),
    "headcount": _("Effectif salarié"),
    "turnover_eur": _("Chiffre d'affaires"),
    "balance_sheet_eur": _("Total du bilan"),
    "deep_tech": _("Innovation de rupture (deep tech)"),
    "lab_collaboration": _("Collaboration régulière avec un laboratoire en Occitanie"),
    "eligible_cost_eur": _("Dépenses éligibles du projet"),
    "requested_eur": _("Montant d'aide demandé"),
    "prior_de_minimis_eur": _("Aides de minimis reçues sur la période de référence"),
}
# Inputs a company record gives (when it knows them), and the one the calendar gives.
COMPANY_INPUTS = ("creation_date", "department")
DERIVED_INPUTS = ("application_date",)


def label_of(name: str, lang: str) -> str:
    with translation.override(lang):
        return str(INPUT_LABELS.get(name, name))


def company_inputs(company: Any) -> dict[str, object]:
    """What the company's record says for the rules (missing values left out)."""
    out: dict[str, object] = {}
    if company is not None and company.creation_date:
        out["creation_date"] = company.creation_date
    if company is not None and company.departement:
        out["department"] = company.departement
    return out


def prior_de_minimis(aids: Iterable[tuple[date | None, Decimal | None]], on: date) -> Decimal:
    """The declared aid granted within the de minimis window ending on `on`."""
    try:
        regime = deminimis.regime_on(on)
    except ValueError:
        return sum((a for d, a in aids if d is not None and a is not None), Decimal("0.00"))
    start, end = deminimis.window_for(regime, on)
    return sum(
        (a for d, a in aids if d is not None and a is not None and start <= d <= end),
        Decimal("0.00"),
    )


def parse_precheck_input(kind: str, raw: object) -> object:
    """A pre-check answer as typed (web) or sent (API); None when blank. Raises
    plania.rules.forms.ValueRefused when unreadable."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if kind == "date":
        return parse_date(raw)
    if kind == "integer":
        return parse_integer(raw)
    if kind == "amount":
        return parse_amount(raw)
    if kind == "flag":
        return parse_boolean(raw)
    return str(raw).strip()


def evaluate(scheme: Scheme, inputs: Mapping[str, object], at: date) -> EligibilityResult:
    return evaluate_eligibility(inputs, RulesContext.build(scheme, at))


def json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [json_value(v) for v in value]
    return value


def seen_lines(result_criterion: Any, lang: str) -> list[str]:
    """'Label: value' per input a criterion read, with the age for age criteria."""
    lines: list[str] = []
    done: set[str] = set()
    sep = " : " if lang == "fr" else ": "
    for leaf in result_criterion.details:
        if leaf.input in done:
            continue
        done.add(leaf.input)
        text = f"{label_of(leaf.input, lang)}{sep}{format_input(leaf.input, leaf.value, lang)}"
        if leaf.derived is not None:
            ref = format_input(leaf.reference_input or "", leaf.reference_value, lang)
            text += (
                f" (âge au {ref} : {leaf.derived} an(s))"
                if lang == "fr"
                else f" (age on {ref}: {leaf.derived} year(s))"
            )
        lines.append(text)
    return lines


def eligibility_json(result: EligibilityResult) -> dict[str, Any]:
    """The result and its explanation, per criterion, in French and English."""
    return {
        "scheme": result.scheme_id,
        "version": result.scheme_version,
        "at": result.at.isoformat(),
        "overall": result.overall,
        "missing": list(result.missing),
        "explanation": {"fr": result.explanation("fr"), "en": result.explanation("en")},
        "criteria": [
            {
                "id": c.id,
                "verdict": c.verdict,
                "label": {"fr": c.label_fr, "en": c.label_en},
                "rule": {"fr": c.rule_fr, "en": c.rule_en},
                "message": {"fr": c.message_fr, "en": c.message_en},
                "seen": {"fr": seen_lines(c, "fr"), "en": seen_lines(c, "en")},
                "values": {k: json_value(v) for k, v in c.values_seen.items()},
                "missing": list(c.missing),
                "invalid": dict(c.invalid),
            }
            for c in result.criteria
        ],
        "inputs": {k: json_value(v) for k, v in result.inputs.items()},
        "parameters": {
            name: {
                "value": json_value(p.value),
                "status": p.status,
                "source": p.source,
                "start": p.start.isoformat(),
            }
            for name, p in result.parameters_used.items()
        },
    }


@lru_cache(maxsize=32)
def _sha256(path: str, mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def rules_file_sha256(scheme: Scheme) -> str:
    path = Path(scheme.source_file)
    return _sha256(str(path), path.stat().st_mtime_ns)


__all__ = [
    "COMPANY_INPUTS",
    "DERIVED_INPUTS",
    "INPUT_LABELS",
    "InputValue",
    "company_inputs",
    "eligibility_json",
    "evaluate",
    "label_of",
    "parse_precheck_input",
    "prior_de_minimis",
    "rules_file_sha256",
]
