"""The applicant's whole journey in a real headless Chromium (issue 4, acceptance):
sign up, verify the address from the mailed link, sign in, identify the company by its
SIREN from the local SIRENE store, "Suis-je éligible ?", create the dossier, fill it and
save it with the Save button, close the browser, come back and find the draft intact,
attach a PDF, submit, read the receipt, receive an officer's message and answer it.

Each step asserts what the person sees and saves a screenshot under
`test-output/journey/` (numbered in the order of the journey).

Only what the person does not do in a browser is done in Python: the SIRENE store and
the plan are loaded, a call is opened (an administrator's job), and the officer writes
through the messaging service (staff pages ask for the second factor, issue 7).
"""

import io
import re
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect
from reportlab.pdfgen import canvas

from plania.accounts.models import User
from plania.accounts.roles import Role
from plania.applications.models import Application
from plania.applications.services import call_open
from plania.companies.models import Company, Mandate
from plania.companies.services import mandate_decide
from plania.companies.sirene import (
    ESTABLISHMENT_COLUMNS,
    establishment_row,
    head_office_siret,
    sample_siren,
    unit_row,
    write_stock,
)
from plania.companies.sirene_import import sirene_import
from plania.ledger.plan_load import plan_load
from plania.messaging.services import message_post
from plania.plans.models import Envelope
from tests.documents.dossiers import private_storage_dir  # noqa: F401 - a fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLANS = Path(__file__).resolve().parents[2] / "plania" / "data" / "plans"
PARIS = ZoneInfo("Europe/Paris")
EMAIL = "camille.martin@garonne-vision.example"
PASSWORD = "Garonne-vision-2026!"
SIREN = sample_siren(7, seed=4242)
COMPANY = "GARONNE VISION IA"
ANSWERS = {
    "Titre du projet": "Vision IA pour l'inspection de pièces composites",
    "Résumé du projet": "Un modèle de vision qui détecte les défauts des pièces aéronautiques.",
    "Durée du projet (mois)": "24",
    "Effectif salarié (équivalents temps plein)": "12",
    "Chiffre d'affaires du dernier exercice clos (€)": "850 000",
    "Total du bilan du dernier exercice clos (€)": "1 200 000",
    "Montant d'aide demandé (€)": "90 000",
}
OFFICER_TEXT = "Bonjour, pouvez-vous préciser le calendrier des essais au LAAS ?"
ANSWER_TEXT = "Les essais commencent en mars 2027, au LAAS-CNRS, pour six mois."


class Shots:
    """Numbered full-page screenshots of the journey's steps: 01-signup.png, ..."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("[0-9][0-9]-*.png"):
            old.unlink()

    def take(self, page, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 5_000, path
        return path


def _sirene_store(tmp_path) -> None:
    """A generated SIRENE store (the official file format) with one active company whose
    head office is in Toulouse (31), and a ceased one."""
    units = write_stock(
        tmp_path / "StockUniteLegale_utf8.csv",
        [
            unit_row(SIREN, denominationUniteLegale=COMPANY, dateCreationUniteLegale="2021-03-15"),
            unit_row(sample_siren(8, seed=4242), etatAdministratifUniteLegale="C"),
        ],
    )
    sites = write_stock(
        tmp_path / "StockEtablissement_utf8.csv",
        [establishment_row(head_office_siret(SIREN), codePostalEtablissement="31400")],
        columns=ESTABLISHMENT_COLUMNS,
    )
    assert sirene_import(path=units, kind="units").inserted == 2
    assert sirene_import(path=sites, kind="establishments").inserted == 1


def _open_call():
    """The R&D scheme's 2025 version has no end date: a call on it is open today."""
    plan_load(path=PLANS / "occitanie-ia-2024-2028.yaml")
    now = timezone.now()
    return call_open(
        scheme_code="ia-rd-projets",
        version="2025",
        envelope=Envelope.objects.get(code="ia-axe-1-rd"),
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
        title_fr="Projets R&D IA — appel de l'hiver",
        title_en="AI R&D projects — winter call",
    )


def _tiny_pdf() -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 720, "Plan de financement du projet Vision IA")
    pdf.showPage()
    pdf.save()
    data = buffer.getvalue()
    assert data.startswith(b"%PDF-1.")
    return data


def _link(message, path: str, base: str) -> str:
    found = re.search(re.escape(base) + re.escape(path) + r"\S*", message.body)
    assert found, message.body
    return found.group(0)


def _field(text: str) -> re.Pattern[str]:
    """A Django form field's label: its text and the " :" Django adds in French."""
    return re.compile(rf"^{re.escape(text)}\s*:?$")


def _sign_in(page, *, email: str = EMAIL, password: str = PASSWORD) -> None:
    page.get_by_label(_field("Adresse e-mail")).fill(email)
    page.get_by_label(_field("Mot de passe")).fill(password)
    page.get_by_role("button", name="Se connecter").click()


@pytest.fixture
def new_page(browser):
    """`new_page()`: a page in a new browser context (a browser opened afresh, without
    cookies); every context is closed at the end, even when the test fails."""
    contexts = []

    def make():
        context = browser.new_context(locale="fr-FR")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def test_the_applicant_journey(
    live_server,
    new_page,
    output_dir,
    settings,
    tmp_path,
    private_storage_dir,  # noqa: F811
):
    settings.PLANIA_BASE_URL = live_server.url  # links in mails lead to this server
    base = live_server.url
    _sirene_store(tmp_path)
    call = _open_call()
    shots = Shots(output_dir / "journey")

    page = new_page()

    # 1. Sign up: the form, then "check your mailbox".
    page.goto(base + "/")
    page.get_by_role("link", name="Créer un compte").click()
    page.get_by_label(_field("Adresse e-mail")).fill(EMAIL)
    page.get_by_label(_field("Prénom")).fill("Camille")
    page.get_by_label(_field("Nom")).fill("Martin")
    page.get_by_label(_field("Mot de passe")).fill(PASSWORD)
    page.get_by_label(_field("Mot de passe (à nouveau)")).fill(PASSWORD)
    page.get_by_label("J'accepte que la Région traite").check()
    shots.take(page, "signup")
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_url("**/compte/inscription/envoyee/")
    assert page.get_by_role("heading", level=1).inner_text() == "Vérifiez votre boîte de réception"
    assert f"Nous avons envoyé un message à {EMAIL}." in page.content()
    shots.take(page, "signup-done")

    # 2. The mail holds a link to this server; following it verifies the address.
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    page.goto(_link(mail.outbox[0], "/compte/verifier/", base))
    assert page.get_by_role("heading", level=1).inner_text() == "Adresse vérifiée"
    assert f"L'adresse {EMAIL} est vérifiée" in page.content()
    assert User.objects.get(email=EMAIL).email_verified
    shots.take(page, "email-verified")

    # 3. Sign in: the account page says the address is verified.
    page.get_by_role("main").get_by_role("link", name="Se connecter").click()
    _sign_in(page)
    page.wait_for_url("**/compte/")
    assert page.get_by_role("heading", level=1).inner_text() == "Mon compte"
    assert "vérifiée" in page.get_by_role("main").inner_text()
    shots.take(page, "signed-in")

    # 4. Identify the company by its SIREN: everything comes from the SIRENE store.
    page.get_by_role("main").get_by_role("link", name="Mes entreprises").click()
    page.get_by_role("link", name="Identifier une entreprise par son SIREN ou SIRET").click()
    page.get_by_label(_field("Numéro SIREN ou SIRET")).fill(f"{SIREN[:3]} {SIREN[3:6]} {SIREN[6:]}")
    page.get_by_role("button", name="Identifier l'entreprise").click()
    # Identifying is only a request: the person becomes a verified representative by a
    # mandate the legal representative signed, accepted by an officer (issue 13).
    page.wait_for_url("**/entreprises/")
    assert f"Entreprise {COMPANY} identifiée : demande de rattachement en attente" in (
        page.content()
    )
    page.get_by_role("link", name="Déposer un pouvoir").click()
    page.wait_for_url(f"**/entreprises/{SIREN}/pouvoir/")
    page.get_by_label("Pouvoir signé (PDF)").set_input_files(
        {"name": "pouvoir.pdf", "mimeType": "application/pdf", "buffer": _tiny_pdf()}
    )
    page.get_by_role("button", name="Déposer le pouvoir").click()
    page.wait_for_url("**/entreprises/")
    assert "Pouvoir déposé" in page.content()
    reviewer = User.objects.create_user(
        username="instructeur-pouvoirs",
        email="pouvoirs@region.example",
        password=PASSWORD,
        is_staff=True,
        email_verified_at=timezone.now(),
    )
    reviewer.groups.add(Group.objects.get_or_create(name=Role.OFFICER)[0])
    mandate_decide(mandate=Mandate.objects.get(), actor=reviewer, accept=True)
    page.goto(f"{base}/entreprises/{SIREN}/")
    assert page.get_by_role("heading", level=1).inner_text().strip() == COMPANY
    facts = page.locator("dl.company-facts").inner_text()
    assert SIREN in facts and "15 mars 2021" in facts and "31400" in facts, facts
    assert "Haute-Garonne (Occitanie)" in facts, facts
    assert Company.objects.get(siren=SIREN).verified
    shots.take(page, "company-identified")

    # 5. "Suis-je éligible ?" on the open call: creation date and département come from
    # the company; the person answers the rest and reads a verdict per criterion.
    page.get_by_role("navigation", name="Navigation").get_by_role(
        "link", name="Appels à projets"
    ).click()
    article = page.locator("article.call", has_text=call.title_fr)
    assert "Ouvert" in article.inner_text()
    article.get_by_role("link", name="Suis-je éligible ?").click()
    page.wait_for_url(f"**/appels/{call.reference}/eligibilite/")
    given = page.get_by_label("Données de l'entreprise").inner_text()
    assert "31" in given and "15 mars 2021" in given, given
    page.get_by_label("Effectif salarié (équivalents temps plein)").fill("12")
    page.get_by_label("Dépenses éligibles du projet").fill("200 000")
    page.get_by_label("Montant d'aide demandé (€)").fill("90 000")
    page.get_by_role("button", name="Vérifier mon éligibilité").click()
    result = page.locator("#resultat")
    assert "Éligible selon les règles du dispositif" in result.inner_text()
    verdicts = {
        row.get_attribute("data-criterion"): row.locator(".badge").inner_text()
        for row in result.locator("tr[data-criterion]").all()
    }
    assert verdicts == {
        "located_in_occitanie": "oui",
        "headcount": "oui",
        "project_size": "oui",
        "amount_requested_stated": "oui",
    }
    assert not Application.objects.exists()  # nothing stored by the pre-check
    shots.take(page, "precheck")

    # 6. Create the dossier for the company.
    result.get_by_role("link", name="Créer mon dossier sur cet appel").click()
    page.get_by_label("Entreprise qui dépose le dossier").select_option(SIREN)
    page.get_by_role("button", name="Créer le dossier").click()
    page.wait_for_url("**/formulaire/")
    app = Application.objects.get()
    assert app.reference.startswith("RDIA-")
    assert page.get_by_role("heading", level=1).inner_text() == f"Dossier {app.reference}"
    assert f"Dossier {app.reference} créé" in page.content()
    shots.take(page, "dossier-created")

    # 7. Fill the fields and save with the Save button. Autosave requests are cut off in
    # this tab, so that what comes back later is what the button saved.
    page.route("**/enregistrement-automatique/", lambda route: route.abort())
    for label, value in ANSWERS.items():
        page.get_by_label(label).fill(value)
    page.get_by_label("Secteur d'application principal").select_option("aerospatial")
    page.get_by_label("Laboratoire partenaire (facultatif)").select_option("laas-cnrs")
    page.get_by_label("Libellé de la ligne 1").fill("Ingénieurs IA")
    page.get_by_label("Catégorie de la ligne 1").select_option("personnel")
    page.get_by_label("Montant de la ligne 1 (€ HT)").fill("150 000")
    page.get_by_label("éligible (ligne 1)").check()
    page.get_by_label("Libellé de la ligne 2").fill("Calcul GPU")
    page.get_by_label("Catégorie de la ligne 2").select_option("computing")
    page.get_by_label("Montant de la ligne 2 (€ HT)").fill("50 000")
    page.get_by_label("éligible (ligne 2)").check()
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_role("main").locator(".messages")).to_have_text(
        re.compile(r"^Enregistré à \d\d:\d\d:\d\d\.$")
    )
    assert page.locator("#error-summary").count() == 0
    totals = page.locator("#budget tfoot").inner_text()
    assert "Dépense éligible\t200\u202f000,00\xa0€" in totals, totals
    app.refresh_from_db()
    assert app.answers["project_title"] == ANSWERS["Titre du projet"]
    shots.take(page, "dossier-saved")

    # 8. Close the browser (the session ends with it), come back, sign in again: the
    # draft is intact.
    page.context.close()
    page = new_page()
    page.goto(f"{base}/dossiers/{app.reference}/formulaire/")
    page.wait_for_url(re.compile(r"/compte/connexion/\?next="))
    assert page.get_by_role("heading", level=1).inner_text() == "Se connecter"
    _sign_in(page)
    page.wait_for_url(f"**/dossiers/{app.reference}/formulaire/")
    for label, value in ANSWERS.items():
        assert page.get_by_label(label).input_value() == value, label
    assert page.get_by_label("Secteur d'application principal").input_value() == "aerospatial"
    assert page.get_by_label("Laboratoire partenaire (facultatif)").input_value() == "laas-cnrs"
    assert page.get_by_label("Libellé de la ligne 1").input_value() == "Ingénieurs IA"
    assert page.get_by_label("Montant de la ligne 1 (€ HT)").input_value() == "150 000"
    assert page.get_by_label("Catégorie de la ligne 2").input_value() == "computing"
    assert page.get_by_label("éligible (ligne 2)").is_checked()
    shots.take(page, "draft-intact")

    # 9. Attach a PDF to the dossier.
    page.get_by_role("link", name="Suivi du dossier").click()
    page.get_by_role("navigation", name="Dossier").get_by_role(
        "link", name="Pièces jointes"
    ).click()
    page.wait_for_url(f"**/dossiers/{app.reference}/pieces/")
    page.get_by_label("Nature du document").select_option("budget")
    page.get_by_label("Fichier").set_input_files(
        {"name": "plan-de-financement.pdf", "mimeType": "application/pdf", "buffer": _tiny_pdf()}
    )
    page.get_by_role("button", name="Déposer le document").click()
    row = page.locator("[data-testid=attachment]")
    expect(row).to_have_count(1)
    expect(row.get_by_role("link")).to_have_text("plan-de-financement.pdf")
    assert app.attachments.get().content_type == "application/pdf"
    shots.take(page, "attachment")

    # 10. Review, then submit.
    page.goto(f"{base}/dossiers/{app.reference}/")
    page.get_by_role("link", name="Vérifier et déposer").click()
    page.wait_for_url(f"**/dossiers/{app.reference}/depot/")
    assert page.get_by_role("heading", level=1).inner_text() == (
        f"Vérifier et déposer le dossier {app.reference}"
    )
    assert page.locator("#error-summary").count() == 0
    assert "Éligible selon les règles du dispositif" in page.locator(".eligibility").inner_text()
    shots.take(page, "review")
    page.get_by_role("button", name="Déposer le dossier").click()

    # 11. The receipt: reference, receipt number, the instant in Paris time.
    page.wait_for_url("**/accuse-de-reception/")
    app.refresh_from_db()
    assert app.state == "submitted"
    assert re.fullmatch(rf"AR-{app.reference}-\d{{8}}-\d{{6}}", app.receipt_number)
    at = timezone.localtime(app.submitted_at, PARIS)
    assert page.get_by_role("heading", level=1).inner_text() == "Accusé de réception"
    main = page.get_by_role("main").inner_text()
    assert "Votre dossier est déposé." in main
    assert (
        f"Le dossier {app.reference} a été déposé le {date_format(at, 'j F Y')} "
        f"à {at:%H:%M:%S} (heure de Paris)." in main
    ), main
    assert app.receipt_number in main
    assert "Éligible selon les règles du dispositif" in main
    receipts = [m for m in mail.outbox if app.receipt_number in m.body]
    assert [m.to for m in receipts] == [[EMAIL]]
    shots.take(page, "receipt")

    # 12. An officer writes (through the service: staff pages need the second factor).
    officer = User.objects.create_user(
        username="instructeur",
        email="instructeur@region.example",
        password=PASSWORD,
        first_name="Dominique",
        last_name="Instructrice",
        is_staff=True,
        email_verified_at=timezone.now(),
    )
    officer.groups.add(Group.objects.get_or_create(name=Role.OFFICER)[0])
    # The officer of the dossier's scheme: an officer reaches a dossier through it.
    from plania.instruction.models import SchemeAssignment

    SchemeAssignment.objects.create(officer=officer, scheme_code=app.scheme_code)
    sent = len(mail.outbox)
    message_post(application=app, actor=officer, body=OFFICER_TEXT)
    notices = mail.outbox[sent:]
    assert [m.to for m in notices] == [[EMAIL]]
    assert OFFICER_TEXT not in notices[0].body  # mailboxes leak: no text in the mail

    # 13. The applicant follows the mail's link and reads the message in the thread.
    page.goto(_link(notices[0], f"/dossiers/{app.reference}/messages/", base))
    thread = page.locator("[data-testid=message]")
    assert thread.count() == 1
    # Staff are named by their role to the applicant, never by name or e-mail (issue 13).
    assert "l'instructeur·rice" in thread.first.inner_text()
    assert "instructeur@region.example" not in thread.first.inner_text()
    assert OFFICER_TEXT in thread.first.inner_text()
    assert page.locator("[data-testid=unread]").inner_text() == "1 nouveau message"
    shots.take(page, "officer-message")

    # 14. ... and answers it.
    page.get_by_label("Votre message").fill(ANSWER_TEXT)
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_role("main").locator(".messages")).to_have_text("Message envoyé.")
    thread = page.locator("[data-testid=message]")
    expect(thread).to_have_count(2)
    assert ANSWER_TEXT in thread.nth(1).inner_text()
    assert "Camille Martin" in thread.nth(1).inner_text()
    assert app.messages.count() == 2
    shots.take(page, "answer")

    assert shots.count == 14
