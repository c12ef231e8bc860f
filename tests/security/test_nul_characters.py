"""A NUL character (U+0000) in a request's input is refused with 400 before any view
(plania.security.middleware.RefuseNulCharactersMiddleware): PostgreSQL cannot store it,
and the API fuzzing found it turning into a 500 (POST /api/v1/applications/)."""

import json

import pytest
from django.urls import reverse

from plania.accounts.services import api_token_create
from plania.documents.models import Attachment
from tests.documents.files import png_bytes, upload
from tests.security.world import APPLICANT, World

MESSAGE = "La requête contient un caractère nul (U+0000) : elle est refusée."


@pytest.fixture
def bearer(world: World) -> dict[str, str]:
    _, token = api_token_create(user=world.a.owner, name="nul")
    return {"Authorization": f"Bearer {token}"}


def test_a_nul_in_a_json_body_is_refused(client, world, bearer):
    response = client.post(
        "/api/v1/applications/",
        data=json.dumps({"call": "appel\u0000", "siren": world.a.company.siren}),
        content_type="application/json",
        headers=bearer,
    )
    assert response.status_code == 400
    assert response.json() == {"detail": MESSAGE, "code": "nul_character", "errors": {}}
    # Deep inside too, and in a key.
    response = client.post(
        "/api/v1/applications/",
        data=json.dumps({"call": "x", "answers": [{"a\u0000": "b"}]}),
        content_type="application/json",
        headers=bearer,
    )
    assert response.status_code == 400


def test_a_backslash_u_typed_as_text_is_not_a_nul(client, world, bearer):
    response = client.post(
        "/api/v1/applications/",
        data=json.dumps({"call": "\\u0000", "siren": world.a.company.siren}),
        content_type="application/json",
        headers=bearer,
    )
    assert response.status_code != 400 or response.json()["code"] != "nul_character"


@pytest.mark.django_db
def test_a_nul_in_the_path_or_the_query_is_refused(client):
    assert client.get("/api/v1/plans/a%00b").status_code == 400
    assert client.get("/api/v1/plans/", {"q": "a\x00"}).status_code == 400
    page = client.get("/dispositifs/", {"q": "\x00"})
    assert page.status_code == 400
    assert page.content.decode() == MESSAGE
    assert "Content-Security-Policy" in page


@pytest.mark.django_db
def test_a_nul_in_a_form_field_is_refused(client):
    response = client.post("/compte/connexion/", {"username": "a\x00@b.fr", "password": "x"})
    assert response.status_code == 400


def test_files_may_hold_nul_bytes(world):
    client = world.client_for(APPLICANT)
    url = reverse("web:attachments", kwargs={"reference": world.a.dossier.reference})
    data = png_bytes()
    assert b"\x00" in data
    response = client.post(url, {"kind": "other", "file": upload("schema.png", data)})
    assert response.status_code in (200, 302)
    assert Attachment.objects.filter(original_name="schema.png").exists()
