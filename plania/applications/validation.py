"""Checking a dossier as typed: the rules core cleans the values (plania.rules.forms),
this module turns each problem into a sentence in the reader's language and lists every
problem of the dossier at once, in the order of the form.

Error keys: a form field's id (`headcount`), a row's field (`cost_lines[1].amount`,
`declared_aids[0].granted_on`) or a whole part (`cost_lines`). The web layer maps them to
the ids of its inputs, the API returns them as they are.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from plania.core.formats import format_eur
from plania.rules.form_values import (
    COST_LINE_KEYS,
    DECLARED_AID_KEYS,
    CleanedAnswers,
    CostLineValue,
    DeclaredAidValue,
    Problem,
    clean_answers,
    clean_cost_line,
    clean_declared_aid,
    row_is_blank,
)
from plania.rules.forms import FormDefinition

Errors = dict[str, list[str]]


def _limit_text(limit: object) -> str:
    if isinstance(limit, Decimal):
        return format_eur(limit)
    if isinstance(limit, date):
        return date_format(limit, "SHORT_DATE_FORMAT")
    return str(limit)


def problem_message(problem: Problem) -> str:
    code, limit = problem.code, problem.limit
    if code == "required":
        return _("Ce champ est obligatoire pour déposer le dossier.")
    if code == "invalid_text":
        return _("Saisissez un texte.")
    if code == "invalid_integer":
        return _("Saisissez un nombre entier, par exemple 12.")
    if code == "invalid_amount":
        return _("Saisissez un montant en euros, par exemple 12 500 ou 12 500,50.")
    if code == "too_many_decimals":
        return _("Un montant a au plus deux décimales (les centimes).")
    if code == "negative":
        return _("Le montant ne peut pas être négatif.")
    if code == "too_large":
        return _("Montant trop élevé : au plus %(limit)s.") % {"limit": _limit_text(limit)}
    if code == "invalid_date":
        return _("Saisissez une date au format JJ/MM/AAAA, par exemple 15/03/2025.")
    if code == "invalid_boolean":
        return _("Répondez par oui ou par non.")
    if code == "invalid_choice":
        return _("Choisissez une des valeurs proposées.")
    if code == "unknown_lab":
        return _("Choisissez un laboratoire de l'annuaire.")
    if code == "min":
        return _("La valeur doit être d'au moins %(limit)s.") % {"limit": _limit_text(limit)}
    if code == "max":
        return _("La valeur doit être d'au plus %(limit)s.") % {"limit": _limit_text(limit)}
    if code == "max_length":
        return _("Ce texte dépasse %(limit)s caractères : raccourcissez-le.") % {
            "limit": _limit_text(limit)
        }
    return code  # pragma: no cover - every code is handled above


def _messages(problems: Mapping[str, list[Problem]]) -> dict[str, list[str]]:
    return {k: [problem_message(p) for p in v] for k, v in problems.items()}


@dataclass
class DossierCheck:
    answers: CleanedAnswers
    cost_lines: list[CostLineValue]
    declared_aids: list[DeclaredAidValue]
    errors: Errors = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def eligible_cost(self) -> Decimal:
        return sum(
            (c.amount for c in self.cost_lines if c.eligible and c.amount is not None),
            Decimal("0.00"),
        )

    @property
    def total_cost(self) -> Decimal:
        return sum((c.amount for c in self.cost_lines if c.amount is not None), Decimal("0.00"))


def non_blank_rows(rows: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> list[Any]:
    return [r for r in rows if not row_is_blank(r, [k for k in keys if k != "eligible"])]


def check_dossier(
    form: FormDefinition,
    *,
    answers: Mapping[str, object],
    cost_lines: Sequence[Mapping[str, object]],
    declared_aids: Sequence[Mapping[str, object]],
    lab_codes: frozenset[str],
    require: bool,
) -> DossierCheck:
    """Every problem of the dossier at once. `require` (submission) adds missing values."""
    cleaned = clean_answers(form, answers, lab_codes=lab_codes, require=require)
    errors: Errors = _messages(cleaned.problems)
    lines: list[CostLineValue] = []
    for i, row in enumerate(cost_lines):
        value, problems = clean_cost_line(row, categories=form.category_codes(), require=require)
        lines.append(value)
        for key, msgs in _messages(problems).items():
            errors[f"cost_lines[{i}].{key}"] = msgs
    if require and not cost_lines:
        errors["cost_lines"] = [_("Le budget doit compter au moins une ligne de dépense.")]
    if len(cost_lines) > form.max_cost_lines:
        errors["cost_lines"] = [
            _("Le budget compte au plus %(n)s lignes.") % {"n": form.max_cost_lines}
        ]
    aids: list[DeclaredAidValue] = []
    for i, row in enumerate(declared_aids):
        aid, problems = clean_declared_aid(row, require=require)
        aids.append(aid)
        for key, msgs in _messages(problems).items():
            errors[f"declared_aids[{i}].{key}"] = msgs
    if len(declared_aids) > form.max_declared_aids:
        errors["declared_aids"] = [
            _("Déclarez au plus %(n)s aides.") % {"n": form.max_declared_aids}
        ]
    return DossierCheck(cleaned, lines, aids, errors)


__all__ = [
    "COST_LINE_KEYS",
    "DECLARED_AID_KEYS",
    "DossierCheck",
    "Errors",
    "check_dossier",
    "non_blank_rows",
    "problem_message",
]
