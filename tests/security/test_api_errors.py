"""Every error of the API answers in one format (plania.api.errors), whoever produces it:
django-ninja (authentication, request validation, an unreadable body, CSRF, 404, 405),
the NUL guard, the access check, Django's 404 and 500 under /api/, and the operations'
own refusals."""

import json

import pytest
from django.test import Client, override_settings
from django.urls import path

from plania.api.errors import ApiError, field_name
from tests.security.otp import otp_force_login

pytestmark = pytest.mark.django_db

FORMAT = {"detail", "code", "errors"}


def error_of(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert FORMAT <= set(body), body
    ApiError.model_validate(body)
    assert body["code"] == code, body
    assert body["detail"]
    return body


def test_unauthenticated_and_a_wrong_token_are_401(client):
    error_of(client.get("/api/v1/applications/"), 401, "unauthenticated")
    wrong = client.get("/api/v1/applications/", headers={"Authorization": "Bearer nope"})
    error_of(wrong, 401, "unauthenticated")


def test_not_found_whether_an_operation_or_django_says_it(client):
    error_of(client.get("/api/v1/plans/no-such-plan"), 404, "not_found")
    error_of(client.get("/api/v1/no-such-thing"), 404, "not_found")
    error_of(client.get("/api/v1/"), 404, "not_found")
    # No Swagger UI page: its CDN and inline script would break the CSP (plania.api.urls).
    error_of(client.get("/api/v1/docs"), 404, "not_found")
    # Not the web's pages: they keep their HTML 404.
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and not page["Content-Type"].startswith("application/json")


def test_a_method_no_operation_takes_is_405_with_allow(client):
    body = error_of(client.delete("/api/v1/plans/"), 405, "method_not_allowed")
    assert "DELETE" in body["detail"]
    assert client.delete("/api/v1/plans/")["Allow"] == "GET"


def test_request_validation_names_the_fields(client, world):
    client.force_login(world.a.owner)
    response = client.patch(
        f"/api/v1/applications/{world.a.dossier.reference}",
        data=json.dumps({"version": "x", "cost_lines": [{"amount": []}]}),
        content_type="application/json",
    )
    body = error_of(response, 422, "invalid")
    assert set(body["errors"]) == {"version", "cost_lines[0].amount"}
    response = client.post(
        "/api/v1/applications/", data=json.dumps({"call": "x"}), content_type="application/json"
    )
    assert error_of(response, 422, "invalid")["errors"] == {"siren": ["Ce champ est obligatoire."]}
    response = client.get("/api/v1/instruction/queue")
    assert set(error_of(response, 422, "invalid")["errors"]) == {"scheme"}


def test_field_names_drop_the_source_the_body_parameter_and_union_tags():
    assert field_name(("body", "payload", "cost_lines", 1, "amount")) == "cost_lines[1].amount"
    assert field_name(("body", "payload", "cost_lines", 0, "amount", "str")) == (
        "cost_lines[0].amount"
    )
    assert field_name(("query", "per_page")) == "per_page"
    assert field_name(("form", "kind")) == "kind"
    assert field_name(("body", "payload")) == "payload"
    assert field_name(()) == "body"


def test_an_unreadable_body_is_400_malformed(client, world):
    client.force_login(world.a.owner)
    response = client.post("/api/v1/applications/", data="{nope", content_type="application/json")
    error_of(response, 400, "malformed")


def test_a_session_call_without_the_csrf_header_is_403_csrf(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.a.owner)
    response = browser.post("/api/v1/applications/", data="{}", content_type="application/json")
    error_of(response, 403, "csrf")


def test_an_unverified_address_is_403_unverified(client, world):
    from tests.security.world import UNVERIFIED

    client.force_login(world.users[UNVERIFIED])
    error_of(client.get("/api/v1/applications/"), 403, "unverified")


def test_a_nul_character_is_400_nul_character(client):
    error_of(client.get("/api/v1/plans/", {"q": "a\x00"}), 400, "nul_character")


def test_a_staff_session_without_the_second_factor_is_403_on_staff_operations(client, world):
    """In the `staff-pages` scope too (development, tests): a staff operation called with
    the session of a password-only login is refused, as a staff page is."""
    officer = world.users["officer"]
    client.force_login(officer)
    error_of(client.get("/api/v1/instruction/expertises"), 404, "not_found")  # not an expert
    error_of(client.get("/api/v1/awards/arrears"), 404, "not_found")  # not finance
    error_of(client.get("/api/v1/instruction/queue", {"scheme": "x"}), 403, "second_factor")
    otp_force_login(client, officer)
    error_of(client.get("/api/v1/instruction/queue", {"scheme": "x"}), 404, "not_found")


def test_an_operation_s_own_refusal_is_in_the_format(client, world):
    client.force_login(world.a.owner)
    response = client.post(
        "/api/v1/applications/calls/" + world.a.dossier.call.reference + "/precheck",
        data=json.dumps({"inputs": {"shoe_size": 1}}),
        content_type="application/json",
    )
    body = error_of(response, 422, "invalid")
    assert list(body["errors"]) == ["shoe_size"]


def test_more_files_than_a_request_may_carry_is_400_in_the_format(client, world, settings):
    """Django refuses the request while reading it (DATA_UPLOAD_MAX_NUMBER_FILES): under
    /api/ in the format, on the pages Django's own 400 (found by the fuzzing)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.a.owner)
    files = [
        SimpleUploadedFile(f"f{i}.txt", b"x")
        for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)
    ]
    url = f"/api/v1/messages/{world.a.dossier.reference}"
    error_of(client.post(url, {"body": "x", "files": files}), 400, "too_many_files")
    for f in files:
        f.seek(0)
    page = client.post(f"/dossiers/{world.a.dossier.reference}/messages/", {"files": files})
    assert page.status_code == 400 and not page["Content-Type"].startswith("application/json")


def _boom(request):
    raise RuntimeError("boom")


def _denied(request):
    from django.core.exceptions import PermissionDenied

    raise PermissionDenied


urlpatterns = [
    path("api/v1/boom", _boom),
    path("boom", _boom),
    path("api/v1/denied", _denied),
]
handler403 = "plania.api.errors.permission_denied"
handler500 = "plania.api.errors.server_error"


@override_settings(ROOT_URLCONF=__name__)
def test_a_permission_denied_under_the_api_is_403_in_the_format(client, db):
    error_of(client.get("/api/v1/denied"), 403, "forbidden")


@override_settings(ROOT_URLCONF=__name__)
def test_a_server_error_under_the_api_is_500_in_the_format(db):
    browser = Client(raise_request_exception=False)
    error_of(browser.get("/api/v1/boom"), 500, "server_error")
    page = browser.get("/boom")
    assert page.status_code == 500 and not page["Content-Type"].startswith("application/json")
