"""Algorithmic transparency of decisions (CRPA L311-3-1, R311-3-1-1, R311-3-1-2).

- `mention()`: the explicit mention every decision notified to a company carries (the
  purpose of the processing, the right to obtain its rules and how to ask), after the
  model wording of the Etalab guide on public algorithms.
- `explanation_for()`: the answer R311-3-1-2 asks for, as applied to one company: how far
  and how the processing contributed to the decision, the data used and their sources,
  the parameters and how they weighed, the operations performed. It is read from what
  was frozen with the dossier at filing (eligibility) and with the award at decision
  (rules and parameter values used); nothing is recomputed with today's rules.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from plania.applications.eligibility import label_of


def mention(*, explanation_url: str = "", language: str | None = None) -> str:
    with translation.override(language or translation.get_language() or "fr"):
        text = _(
            "Cette décision a été prise sur le fondement d'un traitement algorithmique "
            "(article L311-3-1 du code des relations entre le public et l'administration). "
            "Ce traitement a pour finalité d'examiner l'éligibilité des dossiers aux règles "
            "du dispositif et de calculer le montant de l'aide, sa répartition entre "
            "subvention et avance remboursable et son équivalent-subvention brut ; une "
            "personne a instruit le dossier et la Commission permanente a décidé. Vous "
            "pouvez obtenir la communication des règles définissant ce traitement et des "
            "principales caractéristiques de sa mise en œuvre (données traitées et leurs "
            "sources, paramètres et leur pondération appliqués à votre situation, "
            "opérations effectuées, degré et mode de contribution à la décision) en en "
            "faisant la demande par écrit à : %(contact)s, ou par la messagerie de votre "
            "dossier."
        ) % {"contact": settings.PLANIA_TRANSPARENCY_CONTACT}
        if explanation_url:
            text += " " + _(
                "L'explication appliquée à votre dossier est consultable à tout moment : %(url)s"
            ) % {"url": explanation_url}
    return text


def explanation_path(reference: str) -> str:
    return reverse("web:award_explanation", kwargs={"reference": reference})


@dataclass
class Explanation:
    """What the page "the explanation as applied to you" shows."""

    reference: str
    lang: str
    contribution: list[str] = field(default_factory=list)
    data: list[tuple[str, str, str]] = field(default_factory=list)  # label, value, source
    criteria: list[dict[str, Any]] = field(default_factory=list)
    parameters: list[dict[str, Any]] = field(default_factory=list)
    operations: list[str] = field(default_factory=list)
    decision: list[str] = field(default_factory=list)


def _source_of(name: str, company_verified: bool) -> str:
    if name in ("creation_date", "department"):
        return (
            _("Répertoire Sirene (INSEE)")
            if company_verified
            else _("Saisie de l'entreprise (non vérifiée au répertoire Sirene)")
        )
    if name == "application_date":
        return _("Date de dépôt enregistrée par PlanIA")
    if name == "eligible_cost_eur":
        return _("Lignes éligibles du budget du dossier")
    if name == "prior_de_minimis_eur":
        return _("Aides de minimis déclarées dans le dossier")
    return _("Formulaire du dossier")


def explanation_for(application: Any, award: Any = None, item: Any = None) -> Explanation:
    from plania.rules.money import format_money

    lang = "en" if (translation.get_language() or "fr").startswith("en") else "fr"

    def money(amount: Decimal) -> str:
        return format_money(amount, lang, cents=False)

    eligibility = application.eligibility or {}
    snapshot = application.submitted_data or {}
    verified = bool((snapshot.get("company") or {}).get("verified"))
    out = Explanation(reference=application.reference, lang=lang)
    out.contribution = [
        _(
            "Les règles du dispositif, exécutées par PlanIA, ont vérifié chaque critère "
            "d'éligibilité sur les données du dossier et calculé le montant plafond de "
            "l'aide, sa répartition et son équivalent-subvention brut."
        ),
        _(
            "Ce résultat est une aide à la décision : un instructeur a examiné le dossier et "
            "proposé un montant, puis la Commission permanente a décidé. Aucune décision "
            "n'est entièrement automatisée."
        ),
    ]
    for name, value in (eligibility.get("inputs") or {}).items():
        out.data.append((label_of(name, lang), str(value), _source_of(name, verified)))
    for criterion in eligibility.get("criteria") or []:
        out.criteria.append(
            {
                "label": criterion["label"][lang],
                "rule": criterion["rule"][lang],
                "seen": criterion["seen"][lang],
                "verdict": criterion["verdict"],
            }
        )
    parameters = dict(eligibility.get("parameters") or {})
    if award is not None:
        parameters.update((award.rules or {}).get("parameters") or {})
    for name, p in sorted(parameters.items()):
        out.parameters.append(
            {
                "name": name,
                "label": p.get(f"label_{lang}") or name,
                "value": p.get("value"),
                "status": p.get("status", ""),
                "source": p.get("source", ""),
            }
        )
    out.operations = list((eligibility.get("explanation") or {}).get(lang) or [])
    if award is not None:
        out.operations += list(((award.rules or {}).get("computation") or {}).get(lang) or [])
        out.decision.append(
            _(
                "Décision de la Commission permanente du %(date)s (délibération %(ref)s) : aide "
                "de %(total)s, dont subvention %(grant)s et avance remboursable %(advance)s."
            )
            % {
                "date": award.decided_on.isoformat(),
                "ref": award.deliberation_reference,
                "total": money(award.total),
                "grant": money(award.grant),
                "advance": money(award.advance),
            }
        )
        if award.item.proposed_total != award.total:
            out.decision.append(
                _("La proposition de l'instructeur était de %(proposed)s.")
                % {"proposed": money(award.item.proposed_total)}
            )
    elif item is not None and item.outcome in ("rejected", "adjourned"):
        out.decision.append(
            _("Décision de la Commission permanente (%(ref)s) : %(outcome)s. Motif : %(reason)s")
            % {
                "ref": item.deliberation_reference or "—",
                "outcome": item.get_outcome_display(),
                "reason": item.reason,
            }
        )
    return out
