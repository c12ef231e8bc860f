"""The dossier form in a real headless Chromium: autosave.js saves as one types, says
when, shows the errors of what was typed, and refuses a stale tab's save."""

import pytest
from django.conf import settings
from django.test import Client

from plania.applications.models import Application
from tests.applications.factories import CallFactory, applicant, draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, user):
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


def test_autosave_and_a_stale_tab(live_server, page, clock, output_dir):
    user = applicant()
    app = draft(CallFactory(), user, filled=False)
    _sign_in(page, live_server, user)
    url = f"{live_server.url}/dossiers/{app.reference}/formulaire/"
    page.goto(url)
    other = page.context.new_page()  # a second tab on the same dossier, version 1
    other.goto(url)

    page.get_by_label("Titre du projet").fill("Jumeau numérique")
    page.get_by_label("Effectif salarié (équivalents temps plein)").fill("douze")
    page.keyboard.press("Tab")  # a change: autosave within a second
    status = page.locator("#autosave-status")
    status.filter(has_text="Enregistré à 10:30:00.").wait_for(timeout=10_000)
    error = page.locator("#id_q-headcount-error")
    error.filter(has_text="Saisissez un nombre entier").wait_for(timeout=5_000)
    assert (
        page.get_by_label("Effectif salarié (équivalents temps plein)").get_attribute(
            "aria-invalid"
        )
        == "true"
    )
    stored = Application.objects.get(pk=app.pk)
    assert stored.answers["project_title"] == "Jumeau numérique"
    assert stored.answers["headcount"] == "douze"  # kept as typed
    assert page.locator("input[name=version]").input_value() == str(stored.version)

    # The other tab still holds version 1: its autosave is refused, nothing overwritten.
    other.get_by_label("Titre du projet").fill("Titre d'un autre onglet")
    other.keyboard.press("Tab")
    other.locator("#autosave-status").filter(has_text="modifié ailleurs").wait_for(timeout=10_000)
    assert Application.objects.get(pk=app.pk).answers["project_title"] == "Jumeau numérique"

    # Closing and coming back: the draft is intact.
    page.close()
    again = other.context.new_page()
    again.goto(url)
    assert again.get_by_label("Titre du projet").input_value() == "Jumeau numérique"
    assert again.get_by_label("Effectif salarié (équivalents temps plein)").input_value() == "douze"
    shot = output_dir / "dossier-autosave.png"
    again.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_the_form_works_with_the_keyboard_and_without_javascript(live_server, browser, clock):
    user = applicant()
    app = draft(CallFactory(), user, filled=False)
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    _sign_in(page, live_server, user)
    page.goto(f"{live_server.url}/dossiers/{app.reference}/formulaire/")
    page.get_by_label("Titre du projet").focus()
    page.keyboard.type("Capteurs intelligents")
    page.get_by_label("Libellé de la ligne 1").fill("Ingénieur")
    page.get_by_label("Montant de la ligne 1 (€ HT)").fill("45 000")
    page.get_by_role("button", name="Enregistrer", exact=True).press("Enter")
    page.wait_for_url("**/formulaire/")
    assert "Enregistré à 10:30:00." in page.content()
    stored = Application.objects.get(pk=app.pk)
    assert stored.answers["project_title"] == "Capteurs intelligents"
    assert stored.cost_lines.get().amount == 45000
    context.close()
