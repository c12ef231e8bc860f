"""axe-core on the applicant's pages (issue 4, acceptance): the catalogue of calls, the
dossier form and the receipt have no violation of impact "serious" or "critical".

Violations of lesser impact are printed (run with -s to see them) and every result is
written to test-output/a11y/<page>.json.
"""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from plania.applications.services import (
    application_create,
    application_save_draft,
    application_submit,
    call_open,
)
from plania.ledger.plan_load import plan_load
from plania.plans.models import Envelope
from tests.applications.factories import applicant, company_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLANS = Path(__file__).resolve().parents[2] / "plania" / "data" / "plans"
BLOCKING = {"serious", "critical"}
# The R&D scheme's form (plania/data/schemes/ia-rd-projets-2025.yaml), filled.
ANSWERS = {
    "project_title": "Vision IA pour l'inspection de pièces composites",
    "summary": "Un modèle de vision qui détecte les défauts des pièces aéronautiques.",
    "sector": "aerospatial",
    "duration_months": "24",
    "headcount": "12",
    "turnover_eur": "850 000",
    "balance_sheet_eur": "1 200 000",
    "lab": "laas-cnrs",
    "requested_eur": "90 000",
}
COST_LINES = [
    {"label": "Ingénieurs IA", "category": "personnel", "amount": "150 000", "eligible": "oui"},
    {"label": "Calcul GPU", "category": "computing", "amount": "50 000", "eligible": "oui"},
]


def _dossier():
    """A draft of an applicant's company on a call open today (the R&D scheme's 2025
    version has no end date)."""
    plan_load(path=PLANS / "occitanie-ia-2024-2028.yaml")
    now = timezone.now()
    call = call_open(
        scheme_code="ia-rd-projets",
        version="2025",
        envelope=Envelope.objects.get(code="ia-axe-1-rd"),
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
    )
    user = applicant(first_name="Camille", last_name="Martin")
    app = application_create(call=call, company=company_of(user), actor=user).application
    return user, app


def _sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def _catalogue(page, live_server) -> str:
    _dossier()
    return "/appels/"


def _form(page, live_server) -> str:
    """The form with a value it refuses shown beside its field (and the error markup)."""
    user, app = _dossier()
    application_save_draft(
        application=app,
        actor=user,
        answers={**ANSWERS, "headcount": "douze"},
        cost_lines=COST_LINES,
    )
    _sign_in(page, live_server, user)
    return f"/dossiers/{app.reference}/formulaire/"


def _receipt(page, live_server) -> str:
    user, app = _dossier()
    app = application_save_draft(
        application=app, actor=user, answers=ANSWERS, cost_lines=COST_LINES
    )
    assert application_submit(application=app, actor=user).created
    _sign_in(page, live_server, user)
    return f"/dossiers/{app.reference}/accuse-de-reception/"


PAGES = {"catalogue": _catalogue, "dossier-form": _form, "receipt": _receipt}
HEADINGS = {
    "catalogue": "Appels à projets",
    "dossier-form": "Dossier RDIA-",
    "receipt": "Accusé de réception",
}


def _report(name: str, violations: list[dict], output_dir: Path) -> str:
    folder = output_dir / "a11y"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(
        json.dumps(violations, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    lines = []
    for v in violations:
        targets = ", ".join(" ".join(n["target"]) for n in v["nodes"][:3])
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])}: {targets})")
    return "\n".join(lines)


@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_or_critical_violation(name, live_server, a11y_page, axe, output_dir):
    path = PAGES[name](a11y_page, live_server)
    response = a11y_page.goto(live_server.url + path)
    assert response is not None and response.status == 200
    assert a11y_page.get_by_role("heading", level=1).inner_text().startswith(HEADINGS[name])
    if name == "dossier-form":
        assert a11y_page.locator("[aria-invalid=true]").count() == 1  # the refused value
    violations = axe(a11y_page)
    counts: dict[str, int] = {}
    for v in violations:
        counts[v["impact"]] = counts.get(v["impact"], 0) + 1
    report = _report(name, violations, output_dir)
    print(f"\naxe-core on {name} ({path}): {counts or 'no violation'}\n{report}")
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"{name}: serious or critical violations:\n{report}"


def test_the_check_is_not_vacuous(live_server, a11y_page, axe):
    """axe-core really runs in the page: a field without a label, added to the catalogue,
    is reported as a critical violation."""
    a11y_page.goto(live_server.url + "/appels/")
    assert "label" not in {v["id"] for v in axe(a11y_page)}
    a11y_page.evaluate(
        "() => document.querySelector('main').append(document.createElement('input'))"
    )
    found = {v["id"]: v for v in axe(a11y_page)}
    assert found["label"]["impact"] == "critical"
    assert [n["target"] for n in found["label"]["nodes"]] == [["input"]]
