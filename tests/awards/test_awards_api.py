"""The API under /api/v1/awards/: same access rules as the pages (404 for others),
"approve all" overflow as a 409 listing the shortfalls, payments through the ledger."""

import pytest

from plania.accounts.services import api_token_create
from plania.awards.models import Award
from plania.payments import services as payments_services
from tests.awards.dossiers import funded_call, proposed, with_role
from tests.awards.flows import approved, signed

pytestmark = pytest.mark.django_db


def bearer(user) -> dict[str, str]:
    _token, plaintext = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}


def test_approve_all_overflow_is_a_409_naming_the_proposals(client, staff):
    call = funded_call("100000.00")
    _user, proposal = proposed(call, staff.officer)
    headers = bearer(staff.committee)
    created = client.post(
        "/api/v1/awards/sessions",
        {"held_on": "2025-06-12", "title": "CP", "deliberation_prefix": "CP/2025-06"},
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201
    session_id = created.json()["id"]
    added = client.post(
        f"/api/v1/awards/sessions/{session_id}/items",
        {"proposal": proposal.pk},
        content_type="application/json",
        **headers,
    )
    assert added.status_code == 201
    response = client.post(f"/api/v1/awards/sessions/{session_id}/approve-all", **headers)
    assert response.status_code == 409
    (shortfall,) = response.json()["shortfalls"]
    assert shortfall["dossier"] == proposal.application.reference
    assert shortfall["short_by"] == "50000.00"
    assert not Award.objects.exists()


def test_committee_operations_are_404_for_finance_and_applicants(client, staff):
    user, award = approved(staff)
    for who in (staff.finance, staff.officer, user):
        assert client.get("/api/v1/awards/sessions", **bearer(who)).status_code == 404
    assert client.get("/api/v1/awards/arrears", **bearer(staff.committee)).status_code == 404
    assert client.get("/api/v1/awards/arrears", **bearer(staff.finance)).status_code == 200
    # An award: its company and the Region's staff; 404 for another applicant.
    stranger = with_role("applicant", email="x@example.org")
    url = f"/api/v1/awards/{award.reference}"
    assert client.get(url, **bearer(stranger)).status_code == 404
    assert client.get(url, **bearer(user)).json()["total"] == "150000.00"
    assert client.get(url).status_code == 401


def test_certify_and_order_through_the_api(client, staff):
    user, award = signed(staff)
    request = payments_services.payment_request_create(award=award, actor=user, amount="75000")
    certified = client.post(
        f"/api/v1/awards/payment-requests/{request.pk}/certify",
        {},
        content_type="application/json",
        **bearer(staff.officer),
    )
    assert certified.status_code == 200 and certified.json()["state"] == "certified"
    refused = client.post(
        f"/api/v1/awards/payment-requests/{request.pk}/order",
        {"ordered_on": "2025-07-01"},
        content_type="application/json",
        **bearer(staff.officer),
    )
    assert refused.status_code == 404
    ordered = client.post(
        f"/api/v1/awards/payment-requests/{request.pk}/order",
        {"ordered_on": "2025-07-01"},
        content_type="application/json",
        **bearer(staff.finance),
    )
    assert ordered.status_code == 201 and ordered.json()["amount"] == "75000.00"
    csv = client.get("/api/v1/awards/payment-orders.csv", **bearer(staff.finance))
    assert f"{award.reference}-M1;2025-07-01" in csv.content.decode()
