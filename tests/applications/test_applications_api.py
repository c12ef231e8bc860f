"""The applicant's operations under /api/v1/applications/, with structured errors."""

from datetime import timedelta

import pytest

from plania.accounts.services import api_token_create
from plania.applications.models import Application, ApplicationEvent
from tests.applications.factories import (
    CLOSES,
    VALID_AIDS,
    VALID_ANSWERS,
    VALID_COST_LINES,
    company_of,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/applications"


@pytest.fixture
def auth(user):
    _, token = api_token_create(user=user, name="ERP")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _json(client, method, url, auth, body=None):
    kwargs = {"content_type": "application/json", "data": body} if body is not None else {}
    return getattr(client, method)(url, **kwargs, **auth)


def _cost_lines():
    return [{**line, "eligible": line["eligible"] == "oui"} for line in VALID_COST_LINES]


def test_public_catalogue_and_precheck(client, call):
    listed = client.get(f"{API}/calls").json()
    assert listed["count"] == 1
    calls = listed["items"]
    assert [c["reference"] for c in calls] == [call.reference]
    assert client.get(f"{API}/calls", {"scheme": call.scheme_code}).json()["count"] == 1
    assert client.get(f"{API}/calls", {"scheme": "autre"}).json() == {"items": [], "count": 0}
    assert calls[0]["status"] == "open"
    assert calls[0]["envelope"]["cap"] == "2000000.00"
    assert any("moins de 8 ans" in r["rule_fr"] for r in calls[0]["rules"])
    result = client.post(
        f"{API}/calls/{call.reference}/precheck",
        {"inputs": {"creation_date": "2021-03-15", "department": "31", "deep_tech": True}},
        content_type="application/json",
    ).json()
    verdicts = {c["id"]: c["verdict"] for c in result["criteria"]}
    assert verdicts["company_age"] == "pass"
    assert verdicts["deep_tech"] == "pass"
    assert verdicts["sme"] == "unknown"
    assert result["overall"] == "unknown"


def test_precheck_errors_are_structured(client, call):
    response = client.post(
        f"{API}/calls/{call.reference}/precheck",
        {"inputs": {"headcount": "douze", "shoe_size": 42}},
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["errors"]) == {"headcount", "shoe_size"}
    assert all(isinstance(m, list) and m for m in body["errors"].values())


def test_the_whole_journey(client, call, user, auth):
    siren = company_of(user).siren
    created = _json(client, "post", f"{API}/", auth, {"call": call.reference, "siren": siren})
    assert created.status_code == 201
    dossier = created.json()
    reference, version = dossier["reference"], dossier["version"]
    assert reference.startswith("SID-2025-")
    # A second create returns the same dossier.
    again = _json(client, "post", f"{API}/", auth, {"call": call.reference, "siren": siren})
    assert again.status_code == 200 and again.json()["reference"] == reference

    saved = _json(
        client,
        "patch",
        f"{API}/{reference}",
        auth,
        {
            "version": version,
            "answers": {**VALID_ANSWERS, "headcount": 12, "deep_tech": True},
            "cost_lines": _cost_lines(),
            "declared_aids": VALID_AIDS,
        },
    )
    assert saved.status_code == 200, saved.content
    body = saved.json()
    assert body["version"] == version + 1
    assert body["problems"] == {}
    assert body["eligible_cost"] == "180000.50"
    assert body["requested_amount"] == "150000.00"

    submitted = _json(client, "post", f"{API}/{reference}/submit", auth)
    assert submitted.status_code == 201
    receipt = submitted.json()
    assert receipt["already_submitted"] is False
    assert receipt["receipt_number"].startswith(f"AR-{reference}-")
    assert receipt["eligibility"]["overall"] == "yes"
    resent = _json(client, "post", f"{API}/{reference}/submit", auth)
    assert resent.status_code == 200
    assert resent.json()["already_submitted"] is True
    assert resent.json()["receipt_number"] == receipt["receipt_number"]

    history = _json(client, "get", f"{API}/{reference}/history", auth).json()["items"]
    assert [(e["transition"], e["to_state"]) for e in history] == [
        ("create", "draft"),
        ("submit", "submitted"),
    ]
    assert history[1]["actor"] == "Camille Martin"

    withdrawn = _json(client, "post", f"{API}/{reference}/withdraw", auth, {"reason": "Abandon"})
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"
    listed = _json(client, "get", f"{API}/", auth).json()
    assert [(d["reference"], d["state"]) for d in listed["items"]] == [(reference, "withdrawn")]


def test_stale_version_is_409_with_the_current_version(client, call, user, auth):
    siren = company_of(user).siren
    dossier = _json(
        client, "post", f"{API}/", auth, {"call": call.reference, "siren": siren}
    ).json()
    url = f"{API}/{dossier['reference']}"
    assert (
        _json(client, "patch", url, auth, {"version": 1, "answers": {"headcount": "3"}}).status_code
        == 200
    )
    stale = _json(client, "patch", url, auth, {"version": 1, "answers": {"headcount": "4"}})
    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "stale"
    assert body["current_version"] == 2
    assert body["detail"]
    assert Application.objects.get(reference=dossier["reference"]).answers["headcount"] == "3"


def test_invalid_submission_lists_every_field(client, call, user, auth):
    siren = company_of(user).siren
    dossier = _json(
        client, "post", f"{API}/", auth, {"call": call.reference, "siren": siren}
    ).json()
    url = f"{API}/{dossier['reference']}"
    saved = _json(
        client,
        "patch",
        url,
        auth,
        {
            "version": 1,
            "answers": {"headcount": "douze"},
            "cost_lines": [{"label": "x", "category": "nope", "amount": "-3"}],
        },
    ).json()
    assert saved["problems"] == {
        "headcount": ["Saisissez un nombre entier, par exemple 12."],
        "cost_lines[0].category": ["Choisissez une des valeurs proposées."],
        "cost_lines[0].amount": ["Le montant ne peut pas être négatif."],
    }
    response = _json(client, "post", f"{url}/submit", auth)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert "headcount" in body["errors"]
    assert "project_title" in body["errors"]
    assert "cost_lines[0].amount" in body["errors"]
    assert body["errors"]["requested_eur"] == ["Ce champ est obligatoire pour déposer le dossier."]


def test_unknown_answer_fields_are_refused(client, call, user, auth):
    siren = company_of(user).siren
    dossier = _json(
        client, "post", f"{API}/", auth, {"call": call.reference, "siren": siren}
    ).json()
    response = _json(
        client,
        "patch",
        f"{API}/{dossier['reference']}",
        auth,
        {"version": 1, "answers": {"colour": "red"}},
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["answers.colour"]


def _complete_dossier(client, call, user, auth):
    """A dossier ready to submit; its URL."""
    siren = company_of(user).siren
    dossier = _json(
        client, "post", f"{API}/", auth, {"call": call.reference, "siren": siren}
    ).json()
    url = f"{API}/{dossier['reference']}"
    _json(
        client,
        "patch",
        url,
        auth,
        {"version": 1, "answers": VALID_ANSWERS, "cost_lines": _cost_lines()},
    )
    return url


def test_deadline_refusal_is_403_with_the_paris_time(client, clock, call, user, auth):
    url = _complete_dossier(client, call, user, auth)
    clock.set(CLOSES + timedelta(seconds=1))
    response = _json(client, "post", f"{url}/submit", auth)
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "deadline"
    assert "31 mars 2025 à 12:00:00 (heure de Paris)" in body["detail"]
    assert body["errors"] == {}
    assert not ApplicationEvent.objects.filter(transition="submit").exists()


def test_a_submission_costs_a_fixed_number_of_queries(
    client, clock, call, user, auth, django_assert_max_num_queries
):
    """The deadline rush (bench/deadline_rush.py): a late draft is refused without a
    transaction or a lock, and a submission stays a short, fixed list of statements."""
    url = _complete_dossier(client, call, user, auth)
    clock.set(CLOSES + timedelta(seconds=1))
    # the token and its last use, the API's rate-limit counter, the dossier read through
    # the membership
    with django_assert_max_num_queries(4):
        assert _json(client, "post", f"{url}/submit", auth).status_code == 403
    clock.set(CLOSES - timedelta(seconds=1))
    with django_assert_max_num_queries(14):
        assert _json(client, "post", f"{url}/submit", auth).status_code == 201


def test_state_conflict_is_409(client, call, user, auth):
    siren = company_of(user).siren
    dossier = _json(
        client, "post", f"{API}/", auth, {"call": call.reference, "siren": siren}
    ).json()
    response = _json(client, "post", f"{API}/{dossier['reference']}/answer", auth, {"message": ""})
    assert response.status_code == 409
    assert response.json()["code"] == "state"


def test_anonymous_is_401_and_unverified_403(client, call):
    assert client.get(f"{API}/").status_code == 401
    person = UserFactory()
    _, token = api_token_create(user=person, name="x")
    response = client.get(f"{API}/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403
    assert response.json()["code"] == "unverified"


def test_session_auth_needs_csrf_on_writes(call, user):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    assert browser.get(f"{API}/").status_code == 200
    response = browser.post(
        f"{API}/",
        {"call": call.reference, "siren": company_of(user).siren},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Application.objects.exists()
