"""The dossier form: saved without JavaScript, autosaved with it, never silently
overwritten from a stale tab, and nothing typed lost."""

import pytest

from plania.applications.models import Application
from plania.applications.services import ApplicationError, application_save_draft
from tests.applications.factories import draft

pytestmark = pytest.mark.django_db


def form_data(app, **overrides):
    """What the dossier form posts (two cost rows and one aid row on the page)."""
    data = {
        "version": str(app.version),
        "q-project_title": "Jumeau numérique d'une ligne d'assemblage",
        "q-headcount": "8",
        "q-deep_tech": "oui",
        "q-requested_eur": "90 000",
        "q-lab": "irit",
        "cost-count": "2",
        "cost-0-label": "Ingénieure données",
        "cost-0-category": "personnel",
        "cost-0-amount": "70 000",
        "cost-0-eligible": "on",
        "cost-1-label": "",
        "cost-1-category": "",
        "cost-1-amount": "",
        "aid-count": "1",
        "aid-0-granting_body": "",
        "aid-0-granted_on": "",
        "aid-0-amount": "",
        "aid-0-regulation": "",
        "action": "save",
    }
    data.update(overrides)
    return data


def test_save_without_javascript_keeps_everything_and_says_when(client, call, user):
    app = draft(call, user, filled=False)
    client.force_login(user)
    url = f"/dossiers/{app.reference}/formulaire/"
    response = client.post(url, form_data(app))
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url).content.decode()
    assert "Enregistré à 10:30:00." in page
    app.refresh_from_db()
    assert app.version == 2
    assert app.answers["project_title"] == "Jumeau numérique d'une ligne d'assemblage"
    assert app.requested_amount == 90000
    assert app.lab == "irit"
    line = app.cost_lines.get()
    assert (line.label, line.amount, line.amount_text, line.eligible) == (
        "Ingénieure données",
        70000,
        "70 000",
        True,
    )
    assert not app.declared_aids.exists()  # an empty row is no aid
    assert 'value="Jumeau numérique d&#x27;une ligne d&#x27;assemblage"' in page
    assert "70\u202f000,00\xa0€" in page or "70\u202f000,00 €" in page  # the footer's total


def test_invalid_values_are_kept_and_shown_with_their_error(client, call, user):
    app = draft(call, user, filled=False)
    client.force_login(user)
    url = f"/dossiers/{app.reference}/formulaire/"
    data = form_data(
        app, **{"q-headcount": "huit", "cost-0-amount": "-500", "q-start_date": "2031-01-01"}
    )
    client.post(url, data)
    app.refresh_from_db()
    assert app.answers["headcount"] == "huit"
    line = app.cost_lines.get()
    assert (line.amount, line.amount_text) == (None, "-500")
    html = client.get(url).content.decode()
    assert 'value="huit"' in html
    assert "Saisissez un nombre entier, par exemple 12." in html
    assert 'value="-500"' in html
    assert "Le montant ne peut pas être négatif." in html
    assert "La valeur doit être d&#x27;au plus 31/12/2027." in html
    # A draft being filled is not told about the fields it has not reached yet.
    assert "obligatoire pour déposer" not in html
    assert "3 points à corriger" in html


def test_add_a_line_without_javascript(client, call, user):
    app = draft(call, user, filled=False)
    client.force_login(user)
    url = f"/dossiers/{app.reference}/formulaire/"
    response = client.post(f"{url}?vides=4", form_data(app, action="add_line"))
    assert response["Location"] == f"{url}?vides=4#budget"
    html = client.get(f"{url}?vides=4").content.decode()
    # The saved line and four empty rows.
    assert 'name="cost-count" value="5"' in html
    assert 'id="id_cost-4-amount"' in html
    assert '<label class="visually-hidden" for="id_cost-4-amount">Montant de la ligne 5' in html


def test_delete_a_line(client, call, user):
    app = draft(call, user)
    client.force_login(user)
    assert app.cost_lines.count() == 3
    data = form_data(
        app,
        **{
            "cost-count": "3",
            "cost-0-label": "A",
            "cost-0-amount": "1",
            "cost-1-label": "B",
            "cost-1-amount": "2",
            "cost-1-delete": "on",
            "cost-2-label": "C",
            "cost-2-amount": "3",
        },
    )
    client.post(f"/dossiers/{app.reference}/formulaire/", data)
    assert list(app.cost_lines.values_list("label", "position")) == [("A", 0), ("C", 1)]


def test_autosave_saves_and_answers_json(client, call, user):
    app = draft(call, user, filled=False)
    client.force_login(user)
    url = f"/dossiers/{app.reference}/enregistrement-automatique/"
    response = client.post(url, form_data(app, **{"q-trl": "12", "action": "autosave"}))
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 2
    assert body["saved_at"] == "10:30:00"
    assert body["message"] == "Enregistré à 10:30:00."
    assert body["errors"] == {"id_q-trl": ["La valeur doit être d'au plus 9."]}
    app.refresh_from_db()
    assert (app.version, app.answers["trl"]) == (2, "12")
    # The next autosave carries the version it was given.
    again = client.post(url, form_data(app, **{"q-trl": "5", "version": "2"}))
    assert again.json()["version"] == 3 and again.json()["errors"] == {}


def test_autosave_errors_point_at_the_rows_of_the_page_that_posted(client, call, user):
    app = draft(call, user, filled=False)
    client.force_login(user)
    data = form_data(
        app,
        **{
            "cost-count": "3",
            "cost-0-label": "",  # an empty row first: it is not saved
            "cost-0-amount": "",
            "cost-1-label": "Cloud",
            "cost-1-amount": "abc",
            "cost-2-label": "Capteurs",
            "cost-2-amount": "100",
        },
    )
    body = client.post(f"/dossiers/{app.reference}/enregistrement-automatique/", data).json()
    assert list(body["errors"]) == ["id_cost-1-amount"]


def test_a_stale_autosave_is_refused_never_applied(client, call, user):
    app = draft(call, user, filled=False)
    client.force_login(user)
    url = f"/dossiers/{app.reference}/enregistrement-automatique/"
    # Tab 1 and tab 2 open the page at version 1; tab 1 saves first.
    assert client.post(url, form_data(app, **{"q-headcount": "8"})).status_code == 200
    response = client.post(url, form_data(app, **{"q-headcount": "99", "version": "1"}))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "stale"
    assert body["current_version"] == 2
    assert "modifié ailleurs" in body["detail"]
    app.refresh_from_db()
    assert app.answers["headcount"] == "8"
    assert app.version == 2


def test_a_stale_save_without_javascript_shows_what_was_typed(client, call, user):
    app = draft(call, user, filled=False)
    application_save_draft(application=app, actor=user, answers={"headcount": "8"})
    client.force_login(user)
    url = f"/dossiers/{app.reference}/formulaire/"
    response = client.post(url, form_data(app, **{"q-headcount": "99", "version": "1"}))
    assert response.status_code == 409
    html = response.content.decode()
    assert "modifié ailleurs" in html
    assert 'id="id_q-headcount" value="99"' in html  # what this tab typed, not lost
    assert 'name="version" value="2"' in html  # saving again replaces, knowingly
    assert Application.objects.get(pk=app.pk).answers["headcount"] == "8"
    assert (
        client.post(url, form_data(app, **{"q-headcount": "99", "version": "2"})).status_code == 302
    )
    assert Application.objects.get(pk=app.pk).answers["headcount"] == "99"


def test_the_page_loads_the_autosave_script_and_no_inline_script(client, call, user):
    app = draft(call, user, filled=False)
    client.force_login(user)
    html = client.get(f"/dossiers/{app.reference}/formulaire/").content.decode()
    assert '<script src="/static/web/autosave.js" defer></script>' in html
    assert html.count("<script") == 1
    assert "style=" not in html
    assert f'data-autosave-url="/dossiers/{app.reference}/enregistrement-automatique/"' in html
    assert 'role="status"' in html


def test_every_input_has_a_label(client, call, user):
    import re

    app = draft(call, user)
    client.force_login(user)
    html = client.get(f"/dossiers/{app.reference}/formulaire/").content.decode()
    ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\sid="([^"]+)"', html)
    assert len(ids) > 40
    for input_id in ids:
        assert f'for="{input_id}"' in html, input_id


def test_api_values_typed_elsewhere_are_kept(call, user):
    app = draft(call, user, filled=False)
    app = application_save_draft(
        application=app,
        actor=user,
        answers={
            "headcount": 12,
            "deep_tech": True,
            "turnover_eur": 1500.5,
            "start_date": "01/06/2025",
        },
    )
    assert app.answers == {
        "headcount": 12,
        "deep_tech": True,
        "turnover_eur": "1500.5",
        "start_date": "01/06/2025",
    }


def test_only_members_save(call, user, other_user):
    app = draft(call, user, filled=False)
    with pytest.raises(ApplicationError) as refused:
        application_save_draft(application=app, actor=other_user, answers={"headcount": "1"})
    assert refused.value.code == "forbidden"


def test_autosave_from_a_signed_out_browser_is_not_json(client, call, user):
    app = draft(call, user, filled=False)
    response = client.post(f"/dossiers/{app.reference}/enregistrement-automatique/", {})
    assert response.status_code == 302  # to the login page; autosave.js says so
    assert response["Content-Type"].startswith("text/html")
