"""/api/v1/companies/: identify, manual entry, list, read; structured errors; members only."""

import pytest
from django.utils import timezone

from plania.companies.models import Company, Membership
from plania.companies.sirene import head_office_siret, sample_siren
from tests.companies.factories import CompanyFactory, MembershipFactory, sirene_company
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/companies"


@pytest.fixture
def user(client):  # type: ignore[no-untyped-def]
    user = UserFactory(email_verified_at=timezone.now())
    client.force_login(user)
    return user


def _post(client, path: str, body: dict):  # type: ignore[no-untyped-def]
    return client.post(f"{API}{path}", body, content_type="application/json")


def test_anonymous_callers_get_401(client, db):
    assert client.get(f"{API}/").status_code == 401
    assert _post(client, "/identify", {"identifier": "123"}).status_code == 401


def test_an_unverified_address_cannot_claim_a_company(client, db):
    client.force_login(UserFactory(email_verified_at=None))
    response = _post(client, "/identify", {"identifier": sirene_company().siren})
    assert response.status_code == 403
    assert response.json()["code"] == "unverified"
    assert not Company.objects.exists()


def test_identify_creates_then_refreshes(client, user):
    unit = sirene_company(denomination="NEURO GARONNE")
    response = _post(client, "/identify", {"identifier": unit.siren})
    assert response.status_code == 202
    body = response.json()
    assert body["siren"] == unit.siren
    assert body["name"] == "NEURO GARONNE"
    assert body["head_office_siret"] == head_office_siret(unit.siren)
    assert (body["departement"], body["size_band"], body["size_band_label"]) == (
        "31",
        "11",
        "10 à 19 salariés",
    )
    assert (body["verified"], body["data_source"]) == (True, "sirene_stock")
    # Identifying never makes a representative: a pending request (issue 13).
    assert (body["role"], body["membership_status"]) == ("member", "pending")
    assert client.get(f"{API}/{unit.siren}").status_code == 404
    assert _post(client, "/identify", {"identifier": unit.siren}).status_code == 202
    Membership.objects.filter(company__siren=unit.siren).update(
        status="active", role="owner", verified_via="mandate"
    )
    assert _post(client, "/identify", {"identifier": unit.siren}).status_code == 200


def test_a_second_person_gets_202_and_no_access_yet(client, user):
    unit = sirene_company()
    MembershipFactory(company__siren=unit.siren)
    response = _post(client, "/identify", {"identifier": unit.siren})
    assert response.status_code == 202
    assert response.json()["membership_status"] == "pending"
    assert client.get(f"{API}/{unit.siren}").status_code == 404


@pytest.mark.parametrize(
    "make, status, code, text",
    [
        (
            lambda: head_office_siret(sample_siren(1, seed=8))[:-1] + "x",
            422,
            "invalid",
            "n'est pas un numéro SIREN ou SIRET",
        ),
        (
            lambda: (lambda s: s[:-1] + str((int(s[-1]) + 1) % 10))(
                head_office_siret(sample_siren(1, seed=8))
            ),
            422,
            "invalid",
            "n'est pas valide (clé de contrôle)",
        ),
        (lambda: sample_siren(2, seed=8), 404, "not_found", "Aucune entreprise avec le SIREN"),
        (lambda: sirene_company(ceased=True).siren, 409, "ceased", "est cessée"),
    ],
)
def test_identify_errors_are_structured(client, user, make, status, code, text):
    response = _post(client, "/identify", {"identifier": make()})
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code
    assert text in body["detail"]
    assert list(body["errors"]) == ["identifier"]
    assert text in body["errors"]["identifier"][0]


def test_manual_entry(client, user):
    siren = sample_siren(3, seed=8)
    response = _post(
        client,
        "/manual",
        {"siren": siren, "name": "Toute Neuve", "creation_date": "2025-01-06", "postcode": "31000"},
    )
    assert response.status_code == 202  # a pending request, as for identification
    assert (response.json()["verified"], response.json()["data_source"]) == (False, "manual")
    bad = _post(client, "/manual", {"siren": "12", "name": "", "postcode": "3"})
    assert bad.status_code == 422
    fields = set(bad.json()["errors"])
    assert fields == {"siren", "name", "creation_date", "postcode"}


def test_list_and_read_only_the_callers_companies(client, user, django_assert_max_num_queries):
    mine = MembershipFactory(user=user).company
    pending = MembershipFactory(user=user, pending=True).company
    other = MembershipFactory().company
    # ... and the API's rate-limit counter (plania.security.ratelimit).
    with django_assert_max_num_queries(4):
        listed = client.get(f"{API}/").json()["items"]
    assert {(c["siren"], c["membership_status"]) for c in listed} == {
        (mine.siren, "active"),
        (pending.siren, "pending"),
    }
    assert client.get(f"{API}/{mine.siren}").json()["name"] == mine.name
    # Company B, a pending membership, a company with no member, an unknown SIREN: 404.
    for siren in (other.siren, pending.siren, CompanyFactory().siren, "000000000"):
        response = client.get(f"{API}/{siren}")
        assert response.status_code == 404
    assert Company.objects.count() == 4


def test_openapi_lists_the_routes(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/companies/identify", "/api/v1/companies/manual", "/api/v1/companies/"} <= set(
        paths
    )
    assert "/api/v1/companies/{siren}" in paths
