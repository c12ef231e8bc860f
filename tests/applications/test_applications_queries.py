"""The applicant's lists run the same SQL for 1 row and for 50 (issue 12 item 5): the
calls (page and API) and the dossiers of one's companies (page and API), pinned in
__snapshots__/test_applications_queries.ambr (tests/queries.py)."""

from typing import Any

import pytest

from plania.accounts.services import api_token_create
from plania.applications.services import application_create
from tests.applications.factories import CallFactory, applicant, company_of
from tests.queries import assert_same_queries, one_then_fifty

pytestmark = pytest.mark.django_db


def add_calls(n: int) -> None:
    for _ in range(n):
        CallFactory()


def dossiers_of(user: Any):  # type: ignore[no-untyped-def]
    def add(n: int) -> None:
        for _ in range(n):  # one dossier per call and company
            application_create(call=CallFactory(), company=company_of(user), actor=user)

    return add


def test_the_calls_page(client, clock, snapshot):
    def get(n: int) -> None:
        html = client.get("/appels/").content.decode()
        assert html.count('<article class="call"') == n

    one, fifty = one_then_fifty(add_calls, get)
    assert_same_queries(one, fifty)
    assert one == snapshot


def test_the_calls_api(client, clock, snapshot):
    def get(n: int) -> None:
        body = client.get("/api/v1/applications/calls", {"page_size": 100}).json()
        assert body["count"] == n and all(c["rules"] for c in body["items"])

    one, fifty = one_then_fifty(add_calls, get)
    assert_same_queries(one, fifty)
    assert one == snapshot


def test_my_dossiers_page(client, clock, snapshot):
    user = applicant()
    client.force_login(user)

    def get(n: int) -> None:
        html = client.get("/dossiers/").content.decode()
        assert html.count("data-reference=") == n

    one, fifty = one_then_fifty(dossiers_of(user), get)
    assert_same_queries(one, fifty)
    assert one == snapshot


def test_my_dossiers_api(client, clock, snapshot):
    user = applicant()
    _token, plaintext = api_token_create(user=user, name="test")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}

    def get(n: int) -> None:
        body = client.get("/api/v1/applications/", {"page_size": 100}, **headers).json()
        assert body["count"] == n and len(body["items"]) == n

    one, fifty = one_then_fifty(dossiers_of(user), get)
    assert_same_queries(one, fifty)
    assert one == snapshot
