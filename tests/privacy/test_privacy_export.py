"""A person's data export (issue 7 item 6): /compte/mes-donnees/ and the API."""

import json

import pytest
from django.urls import reverse

from plania.accounts.services import api_token_create
from plania.messaging.services import message_post
from plania.privacy.services import dossier_view_record
from tests.applications.factories import VALID_ANSWERS, company_of, draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(call, user, other_user):
    mine = draft(call, user)
    theirs = draft(call, other_user)
    message_post(application=mine, actor=user, body="Mon message à la Région")
    message_post(application=theirs, actor=other_user, body="Le message d'un concurrent")
    dossier_view_record(user=user, application=mine)
    dossier_view_record(user=other_user, application=theirs)
    return mine, theirs


def _check(data, user, other_user, mine, theirs):
    assert data["account"]["email"] == user.email
    assert [m["company"]["siren"] for m in data["memberships"]] == [company_of(user).siren]
    [dossier] = data["dossiers"]
    assert dossier["reference"] == mine.reference
    assert dossier["state"] == "draft"
    assert dossier["answers"]["project_title"] == VALID_ANSWERS["project_title"]
    assert len(dossier["cost_lines"]) == 3
    assert [m["body"] for m in data["messages"]] == ["Mon message à la Région"]
    assert [(v["dossier"], v["by"]) for v in data["views_of_my_dossiers"]] == [
        (mine.reference, "me")
    ]
    # Nothing of another person or company.
    text = json.dumps(data, ensure_ascii=False)
    other_company = company_of(other_user)
    for foreign in (
        other_user.email,
        other_user.last_name,
        other_company.siren,
        other_company.name,
        theirs.reference,
        "concurrent",
    ):
        assert foreign not in text


def test_the_page_and_its_download(client, world, user, other_user):
    mine, theirs = world
    client.force_login(user)
    page = client.get(reverse("web:my_data"))
    assert page.status_code == 200
    assert reverse("web:my_data_download").encode() in page.content
    response = client.get(reverse("web:my_data_download"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    _check(json.loads(response.content), user, other_user, mine, theirs)


def test_the_api_export(client, world, user, other_user):
    mine, theirs = world
    _, token = api_token_create(user=user, name="ERP")
    response = client.get("/api/v1/accounts/me/export", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    _check(response.json(), user, other_user, mine, theirs)


def test_views_by_others_name_the_viewer_not_their_address(client, world, user, other_user):
    mine, _theirs = world
    staff_viewer = type(user).objects.create_user(
        username="agent", email="agent@region.example", first_name="Jo", last_name="Agent"
    )
    dossier_view_record(user=staff_viewer, application=mine)
    client.force_login(user)
    data = json.loads(client.get(reverse("web:my_data_download")).content)
    assert "Jo Agent" in [v["by"] for v in data["views_of_my_dossiers"]]
    assert "agent@region.example" not in json.dumps(data)


def test_anonymous_is_sent_to_login_and_the_api_is_401(client):
    response = client.get(reverse("web:my_data_download"))
    assert response.status_code == 302
    assert client.get("/api/v1/accounts/me/export").status_code == 401
