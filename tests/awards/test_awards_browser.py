"""From the officer's queue to the agreement PDF, in a real headless Chromium (issue 5,
acceptance): an officer opens the queue, opens the dossier, starts the instruction,
scores it, records a favourable recommendation and proposes it to the committee; a
member of the Commission permanente, in a browser of their own, creates a session, puts
the proposal on its agenda and approves it with a deliberation reference; the agreement
PDF is downloaded from the award's page and its text read with pypdf. Both people sign
in past the TOTP second factor (tests.security.otp.otp_browser_login). Screenshots,
numbered, under test-output/committee/."""

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from plania.applications.enums import ApplicationState
from plania.awards.models import Award
from plania.instruction.models import Proposal
from plania.ledger.enums import EntryKind
from plania.ledger.models import LedgerEntry
from plania.ledger.selectors import envelope_balances
from tests.factories import allocate
from tests.instruction.helpers import STARTUP, CallFactory, committee_member, filed, officer
from tests.security.otp import otp_browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCORES = {
    "breakthrough": "4",
    "lab_collaboration": "4",
    "team": "3",
    "market": "3",
    "regional_impact": "4",
}
DELIBERATION = "CP/2025-06/42"
# The rules core's award on the frozen dossier (tests/instruction/helpers.STARTUP_INPUTS):
# 200,000 (the cap), of which 50,000 grant and 150,000 repayable advance.
TOTAL, GRANT, ADVANCE = "200 000,00 €", "50 000,00 €", "150 000,00 €"


def seen(text: str) -> str:
    """Text as a person reads it: French spaces (narrow, no-break) as plain spaces,
    runs of white space as one."""
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


class Shots:
    """Numbered screenshots under output_dir/committee/."""

    def __init__(self, directory):
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.n = 0

    def __call__(self, page, name: str) -> None:
        self.n += 1
        page.screenshot(path=str(self.directory / f"{self.n:02d}-{name}.png"), full_page=True)


def test_from_the_queue_to_the_committee_and_the_agreement_pdf(
    live_server, browser, page, output_dir
):
    call = CallFactory()
    allocate(call.envelope, "2000000.00")
    dossier = filed(call=call)
    company = dossier.company.name
    agent = officer(STARTUP, email="agent@region.example")
    elected = committee_member(email="elue@region.example")
    shot = Shots(output_dir / "committee")
    before = envelope_balances(call.envelope)

    # 1. The officer opens the queue: the dossier is there, with its company.
    otp_browser_login(page, live_server.url, agent)
    page.goto(f"{live_server.url}/instruction/dispositifs/{STARTUP}/")
    row = page.locator(f"tr[data-reference='{dossier.reference}']")
    assert company in row.inner_text()
    shot(page, "officer-queue")

    # 2. Opens the dossier from the queue: the rules core's award is shown.
    row.get_by_role("link", name=dossier.reference).click()
    page.wait_for_url(f"**/instruction/dossiers/{dossier.reference}/")
    assert page.get_by_role("heading", level=1).is_visible()
    assert TOTAL in seen(page.locator("#award").inner_text())
    shot(page, "officer-dossier")

    # 3. Starts the instruction from the dossier page.
    page.get_by_role("button", name="Commencer l'instruction").click()
    page.wait_for_load_state()
    assert f"L'instruction du dossier {dossier.reference} commence." in seen(page.content())
    dossier.refresh_from_db()
    assert dossier.state == ApplicationState.UNDER_REVIEW
    shot(page, "officer-review-started")

    # 4. Scores, summarises, recommends favourably.
    for criterion, score in SCORES.items():
        page.locator(f"#review-score_{criterion}").select_option(score)
    page.get_by_label("Synthèse de l'instruction").fill("Projet de rupture, laboratoire impliqué.")
    page.locator("#review-recommendation").select_option("favourable")
    page.get_by_role("button", name="Enregistrer la synthèse et l'avis").click()
    page.wait_for_load_state()
    assert "Synthèse et avis enregistrés." in page.content()
    assert page.locator("#review-recommendation").input_value() == "favourable"
    shot(page, "officer-favourable-review")

    # 5. Proposes the dossier to the Commission permanente.
    page.get_by_role("button", name="Proposer à la Commission permanente").click()
    page.wait_for_load_state()
    assert "proposé à la Commission permanente" in page.content()
    page.locator("#proposal").scroll_into_view_if_needed()
    shot(page, "officer-proposed")
    proposal = Proposal.objects.get(application=dossier)
    assert (proposal.amount, proposal.grant_amount, proposal.advance_amount) == (
        200000,
        50000,
        150000,
    )

    # The committee member, in a browser of their own.
    context = browser.new_context(locale="fr-FR")
    try:
        cp = context.new_page()
        otp_browser_login(cp, live_server.url, elected)

        # 6. Creates a session of the Commission permanente.
        cp.goto(f"{live_server.url}/aides/commissions/")
        assert "Aucune séance." in cp.content()
        cp.get_by_label("Date de la séance").fill("2025-06-12")
        cp.get_by_label("Intitulé").fill("Commission permanente de juin")
        cp.get_by_label("Préfixe des délibérations").fill("CP/2025-06")
        shot(cp, "committee-new-session")
        cp.get_by_role("button", name="Créer la séance").click()
        cp.wait_for_url(re.compile(r".*/aides/commissions/\d+/$"))
        assert cp.get_by_role("heading", level=1).inner_text() == "Commission permanente de juin"
        assert "Séance du 12 juin 2025 — délibérations CP/2025-06/…" in seen(
            cp.locator(".lead").inner_text()
        )
        assert "Ordre du jour vide." in cp.content()
        # The officer's proposal waits to be put on the agenda, with its company and amount.
        waiting = cp.locator("li").filter(has_text=dossier.reference)
        assert company in waiting.inner_text() and TOTAL in seen(waiting.inner_text())
        shot(cp, "committee-session-created")

        # 7. Puts the proposal on the agenda: the amounts the committee decides on.
        waiting.get_by_role("button", name="Inscrire").click()
        cp.wait_for_load_state()
        agenda = cp.locator("#item-1")
        text = seen(agenda.inner_text())
        for expected in (dossier.reference, company, TOTAL, GRANT, ADVANCE, "À décider"):
            assert expected in text, expected
        shot(cp, "committee-on-the-agenda")

        # 8. Approves it as proposed, with the deliberation reference.
        decision = cp.get_by_role("group", name="Décision sur le point 1")
        assert decision.get_by_label("Subvention accordée").input_value() == "50000,00"
        assert decision.get_by_label("Avance accordée").input_value() == "150000,00"
        decision.get_by_label("Délibération").fill(DELIBERATION)
        decision.get_by_role("button", name="Accorder").click()
        cp.wait_for_load_state()
        text = seen(cp.locator("#item-1").inner_text())
        assert "Accordée" in text and DELIBERATION in text and TOTAL in text
        assert cp.get_by_role("group", name="Décision sur le point 1").count() == 0
        shot(cp, "committee-approved")

        # 9. The award, from the list of awards: amounts and deliberation.
        cp.goto(f"{live_server.url}/aides/attributions/")
        award = Award.objects.get(application=dossier)
        line = cp.locator("tr").filter(has_text=award.reference)
        assert company in line.inner_text() and DELIBERATION in line.inner_text()
        line.get_by_role("link", name=award.reference).click()
        cp.wait_for_url(f"**/aides/attributions/{award.reference}/")
        assert company in cp.locator(".lead").inner_text()
        amounts = seen(cp.get_by_role("region", name="Montants").inner_text())
        for label, amount in (
            ("Aide accordée", TOTAL),
            ("dont subvention", GRANT),
            ("dont avance remboursable", ADVANCE),
            ("Engagé (net des dégagements)", TOTAL),
        ):
            assert f"{label} {amount}" in amounts, label
        assert f"Délibération {DELIBERATION} du 12 juin 2025" in seen(cp.content())
        shot(cp, "committee-award")

        # 10. The agreement PDF, downloaded through the page; its text names the company
        # and the amounts.
        with cp.expect_download() as download:
            cp.get_by_role("link", name="Télécharger la convention (PDF)").click()
        assert download.value.suggested_filename == f"convention-{award.reference}.pdf"
        body = Path(download.value.path()).read_bytes()
        (output_dir / "committee" / f"convention-{award.reference}.pdf").write_bytes(body)
        assert body.startswith(b"%PDF")
        pdf = seen("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages))
        for expected in (company, TOTAL, GRANT, ADVANCE, DELIBERATION):
            assert expected in pdf, expected
        cp.reload()
        assert cp.get_by_role("link", name="Télécharger la convention (PDF)").is_visible()
        shot(cp, "committee-agreement-downloaded")
    finally:
        context.close()

    # The ledger has the commitment: the award's, on the call's envelope, for the total.
    dossier.refresh_from_db()
    assert dossier.state == ApplicationState.APPROVED
    award = Award.objects.select_related("commitment").get(application=dossier)
    assert (award.total, award.grant, award.advance) == (
        Decimal("200000.00"),
        Decimal("50000.00"),
        Decimal("150000.00"),
    )
    assert award.deliberation_reference == DELIBERATION
    assert award.item.outcome == "approved"
    entry = award.commitment
    assert entry.kind == EntryKind.COMMITMENT and entry.envelope_id == call.envelope_id
    assert entry.amount == award.total and entry.budget_year == 2025
    assert entry.reference.startswith(DELIBERATION)
    assert LedgerEntry.objects.filter(kind=EntryKind.COMMITMENT).count() == 1
    after = envelope_balances(call.envelope)
    assert after.committed - before.committed == Decimal("200000.00")
    assert before.available - after.available == Decimal("200000.00")
