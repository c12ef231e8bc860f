"""An officer instructs a dossier from the queue in a real headless Chromium, with the
keyboard where it matters and without any script of ours: start the instruction by a
bulk action, score, write the summary, propose to the committee. Screenshots are saved
as artifacts (test-output/)."""

import pytest

from plania.applications.enums import ApplicationState
from plania.instruction.models import Proposal
from tests.instruction.helpers import STARTUP, CallFactory, filed, officer
from tests.security.otp import otp_browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCORES = {
    "breakthrough": "4",
    "lab_collaboration": "4",
    "team": "3",
    "market": "3",
    "regional_impact": "4",
}


def test_an_officer_instructs_a_dossier_from_the_queue(live_server, page, output_dir):
    dossier = filed(call=CallFactory())
    agent = officer(STARTUP, email="agent@region.example")
    otp_browser_login(page, live_server.url, agent)

    page.goto(f"{live_server.url}/instruction/dispositifs/{STARTUP}/")
    row = page.locator(f"tr[data-reference='{dossier.reference}']")
    assert dossier.company.name in row.inner_text()
    page.screenshot(path=str(output_dir / "instruction-queue.png"), full_page=True)
    # Tick the dossier with the keyboard, start the instruction for the ticked dossiers.
    row.get_by_role("checkbox").focus()
    page.keyboard.press("Space")
    page.get_by_label("Action sur les dossiers cochés").select_option("start_review")
    page.get_by_role("button", name="Appliquer aux dossiers cochés").click()
    page.wait_for_load_state()
    assert "1 dossier(s) traité(s)" in page.content()
    dossier.refresh_from_db()
    assert dossier.state == ApplicationState.UNDER_REVIEW

    page.get_by_role("link", name=dossier.reference).click()
    page.wait_for_url(f"**/instruction/dossiers/{dossier.reference}/")
    assert "200\u202f000,00\xa0€" in page.locator("#award").inner_text()
    for criterion, score in SCORES.items():
        page.locator(f"#review-score_{criterion}").select_option(score)
    page.get_by_label("Synthèse de l'instruction").fill("Projet de rupture, laboratoire impliqué.")
    page.locator("#review-recommendation").select_option("favourable")
    page.get_by_role("button", name="Enregistrer la synthèse et l'avis").click()
    page.wait_for_load_state()
    assert "Synthèse et avis enregistrés." in page.content()
    page.get_by_role("button", name="Proposer à la Commission permanente").click()
    page.wait_for_load_state()
    assert "proposé à la Commission permanente" in page.content()
    page.locator("#proposal").scroll_into_view_if_needed()
    page.screenshot(path=str(output_dir / "instruction-dossier-proposed.png"), full_page=True)

    proposal = Proposal.objects.get(application=dossier)
    assert (proposal.grant_amount, proposal.advance_amount) == (50000, 150000)
