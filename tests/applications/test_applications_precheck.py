"""« Suis-je éligible ? »: the rules core's verdict per criterion, before any dossier."""

import pytest

from plania.applications.models import Application
from tests.applications.factories import company_of

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_answers_everything_and_sees_each_criterion(client, call):
    url = f"/appels/{call.reference}/eligibilite/"
    page = client.get(url).content.decode()
    # Without a company every input is asked, the application date is not.
    for name in ("creation_date", "department", "headcount", "turnover_eur", "deep_tech"):
        assert f'name="{name}"' in page
    assert 'name="application_date"' not in page
    response = client.get(
        url,
        {
            "verifier": "1",
            "creation_date": "2014-05-02",  # 10 years old on 14 March 2025
            "department": "31",
            "headcount": "12",
            "turnover_eur": "850 000",
            "deep_tech": "oui",
            "lab_collaboration": "",  # "je ne sais pas"
            "eligible_cost_eur": "180000",
            "requested_eur": "150 000",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Non éligible selon les règles du dispositif" in html
    row = html.split('data-criterion="company_age"')[1].split("</tr>")[0]
    assert "L&#x27;entreprise doit avoir moins de 8 ans à la date de dépôt du dossier." in row
    assert (
        "Date de création de l&#x27;entreprise : 2 mai 2014 (âge au 14 mars 2025 : 10 an(s))" in row
    )
    assert '<span class="badge verdict-fail">non</span>' in row
    located = html.split('data-criterion="located_in_occitanie"')[1].split("</tr>")[0]
    assert "Département du siège : 31" in located
    assert "verdict-pass" in located
    lab = html.split('data-criterion="lab_collaboration"')[1].split("</tr>")[0]
    assert '<span class="badge verdict-unknown">inconnu</span>' in lab
    assert not Application.objects.exists()  # nothing stored


def test_in_english(client, call):
    response = client.get(
        f"/en/appels/{call.reference}/eligibilite/",
        {"verifier": "1", "creation_date": "2021-03-15", "department": "75"},
    )
    html = response.content.decode()
    row = html.split('data-criterion="located_in_occitanie"')[1].split("</tr>")[0]
    assert "The company must be located in a département of Occitanie" in row
    assert "verdict-fail" in row


def test_the_company_gives_its_creation_date_and_departement(client, call, user):
    client.force_login(user)
    company = company_of(user)
    page = client.get(f"/appels/{call.reference}/eligibilite/").content.decode()
    assert 'name="creation_date"' not in page
    assert 'name="department"' not in page
    assert 'name="headcount"' in page
    assert company.name in page
    response = client.get(
        f"/appels/{call.reference}/eligibilite/",
        {"entreprise": company.siren, "verifier": "1", "headcount": "12"},
    )
    html = response.content.decode()
    row = html.split('data-criterion="company_age"')[1].split("</tr>")[0]
    assert "15 mars 2021 (âge au 14 mars 2025 : 3 an(s))" in row
    assert "verdict-pass" in row
    # "Aucune": the person answers for a company not yet identified.
    page = client.get(f"/appels/{call.reference}/eligibilite/", {"entreprise": ""}).content
    assert b'name="creation_date"' in page


def test_unreadable_answers_are_shown_with_their_error(client, call):
    response = client.get(
        f"/appels/{call.reference}/eligibilite/",
        {"verifier": "1", "headcount": "douze", "creation_date": "32/13/2020"},
    )
    html = response.content.decode()
    assert 'value="douze"' in html
    assert "Saisissez un nombre entier, par exemple 12." in html
    assert "Saisissez une date au format JJ/MM/AAAA" in html
    assert "Éligibilité indéterminée" in html
