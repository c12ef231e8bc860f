"""Every table of the steering page as rows, and their CSV and XLSX forms."""

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from plania.core import tabular
from plania.steering.selectors import Overview, steering_awards

Table = tuple[list[str], list[list[Any]]]

STATUS_LABELS: dict[str, Callable[[], str]] = {
    "on_track": lambda: _("en bonne voie"),
    "at_risk": lambda: _("à surveiller"),
    "off_track": lambda: _("en retard"),
    "no_data": lambda: _("pas encore de mesure"),
}


def status_label(status: str) -> str:
    return STATUS_LABELS[status]()


def _targets(o: Overview) -> Table:
    head = [
        _("Code"), _("Objectif"), _("Unité"), _("Période"), _("Fréquence"),
        _("Situation de départ"), _("Cible"), _("Année mesurée"), _("Réalisé"),
        _("Trajectoire attendue"), _("Projection en fin de période"), _("Statut"),
        _("Mesure retenue"),
    ]  # fmt: skip
    rows = []
    for r in o.targets:
        a = r.assessment
        rows.append([
            r.target.code, r.target.name, r.target.unit, r.target.years, r.target.frequency,
            a.baseline, a.target, a.year, a.actual, a.expected, a.projection,
            status_label(a.status), r.judged_on,
        ])  # fmt: skip
    return head, rows


def _target_years(o: Overview) -> Table:
    head = [_("Code"), _("Année"), _("Calculé par PlanIA"), _("Saisi"), _("Trajectoire")]
    rows = [
        [r.target.code, y, computed, entered, expected]
        for r in o.targets
        for y, computed, entered, expected in r.years
    ]
    return head, rows


def _envelopes(o: Overview) -> Table:
    head = [
        _("Plan"), _("Axe"), _("Enveloppe"), _("Code"), _("Niveau"), _("Plafond"),
        _("Plancher"), _("Plancher atteint"), _("Affecté"), _("Engagé"), _("Mandaté"),
        _("Remboursé"), _("Disponible"),
    ]  # fmt: skip
    rows = []
    for r in o.envelopes:
        b = r.balances
        met = r.floor_met
        rows.append([
            r.plan.code, r.axis.number if r.axis else "", r.envelope.name, r.envelope.code,
            r.depth, r.envelope.cap, r.envelope.floor,
            "" if met is None else (_("oui") if met else _("non")),
            b.allocated, b.committed, b.paid, b.repaid, b.available,
        ])  # fmt: skip
    return head, rows


def _years(o: Overview) -> Table:
    head = [
        _("Plan"), _("Axe ou enveloppe"), _("Exercice"), _("Affecté"), _("Engagé"),
        _("Mandaté"), _("Remboursé"), _("Disponible"),
    ]  # fmt: skip
    rows = [
        [r.plan.code, r.label, r.year, r.allocated, r.committed, r.paid, r.repaid,
         r.allocated - r.committed]
        for r in o.years
    ]  # fmt: skip
    return head, rows


def _pace(o: Overview) -> Table:
    head = [
        _("Exercice"), _("Engagé dans l'exercice"), _("Engagé cumulé"),
        _("Rythme du plan (cumul)"), _("Part du rythme (%)"),
    ]  # fmt: skip
    rows = [[p.year, p.committed, p.cumulative, p.planned_cumulative, p.share] for p in o.pace]
    return head, rows


def _measurements(o: Overview) -> Table:
    head = [
        _("Code"),
        _("Année"),
        _("Valeur"),
        _("Date de la mesure"),
        _("Source"),
        _("Saisie par"),
    ]
    rows = [
        [r.target.code, m.year, m.value, m.measured_on, m.source, m.entered_by.get_full_name()]
        for r in o.targets
        for m in r.measurements
    ]
    return head, rows


def _awards(o: Overview) -> Table:
    head = [
        _("Référence"), _("Bénéficiaire"), _("Dispositif"), _("Enveloppe"), _("Exercice"),
        _("Date de la délibération"), _("Montant"), _("Subvention"), _("Avance"),
    ]  # fmt: skip
    rows = [
        [a.reference, a.beneficiary_name, a.scheme_code, a.envelope.code, a.budget_year,
         a.decided_on, a.total, a.grant, a.advance]
        for a in steering_awards(o.plans)
    ]  # fmt: skip
    return head, rows


TABLES: dict[str, Callable[[Overview], Table]] = {
    "objectifs": _targets,
    "objectifs-par-annee": _target_years,
    "mesures": _measurements,
    "enveloppes": _envelopes,
    "exercices": _years,
    "rythme": _pace,
    "aides": _awards,
}


def table(name: str, overview: Overview) -> Table:
    return TABLES[name](overview)


def to_csv(t: Table) -> bytes:
    """UTF-8 with a BOM and ';' (what French spreadsheets open); decimals with a point.
    Written by plania.core.tabular: text never reads as a formula."""
    return tabular.csv_text(t[0], t[1], delimiter=";", bom=True).encode("utf-8")


def to_xlsx(t: Table, *, title: str) -> bytes:
    """One sheet (plania.core.tabular): amounts are number cells, text is never
    a formula."""
    return tabular.xlsx_bytes(t[0], t[1], title=title)
