"""The officers' queue: filters, sorting, pagination and bulk actions (pages and API)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from plania.applications.enums import ApplicationState
from plania.instruction.models import ApplicationAssignment
from tests.companies.factories import CompanyFactory
from tests.instruction.helpers import STARTUP, CallFactory, api, filed, login, officer

pytestmark = pytest.mark.django_db

QUEUE = reverse("web:instruction_queue", kwargs={"scheme": STARTUP})


@pytest.fixture
def world(call, officer_x):
    """Five dossiers of the startup scheme, varied on every filter."""
    now = timezone.now()
    other_call = CallFactory()
    a = filed(
        call=call,
        company=CompanyFactory(name="Alpha IA", departement="31", naf_code="62.01Z"),
        inputs={"requested_eur": "50000"},
        submitted_at=now - timedelta(days=40),
    )
    b = filed(
        call=call,
        company=CompanyFactory(name="Bravo Robotique", departement="34", naf_code="28.99B"),
        inputs={"requested_eur": "150000"},
        submitted_at=now - timedelta(days=10),
    )
    c = filed(
        call=call,
        company=CompanyFactory(name="Charlie Santé", departement="31", naf_code="72.19Z"),
        inputs={"requested_eur": "200000"},
        submitted_at=now - timedelta(days=2),
        state=ApplicationState.UNDER_REVIEW,
    )
    d = filed(
        call=other_call,
        company=CompanyFactory(name="Delta Data", departement="81", naf_code="63.11Z"),
        inputs={"requested_eur": "90000"},
        submitted_at=now - timedelta(days=20),
        state=ApplicationState.INCOMPLETE,
    )
    e = filed(
        call=call,
        company=CompanyFactory(name="Echo Énergie"),
        submitted_at=now - timedelta(days=60),
        state=ApplicationState.PROPOSED,
    )
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "call": call, "other_call": other_call}


def refs(response):
    return [row.application.reference for row in response.context["rows"]]


def names(world, *keys):
    return [world[k].reference for k in keys]


def test_default_queue_is_the_open_dossiers_longest_waiting_first(client, world, officer_x):
    login(client, officer_x)
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert refs(response) == names(world, "a", "d", "b", "c")  # not the proposed one
    html = response.content.decode()
    assert "Alpha IA" in html and "Echo Énergie" not in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"state": "under_review"}, ["c"]),
        ({"state": ["submitted", "proposed"]}, ["e", "a", "b"]),
        ({"departement": "31"}, ["a", "c"]),
        ({"sector": "C"}, ["b"]),  # 28.99B: manufacturing
        ({"sector": "J"}, ["a", "d"]),  # 62.01Z, 63.11Z: information and communication
        ({"sector": "M"}, ["c"]),  # 72.19Z: research
        ({"amount_min": "100000"}, ["b", "c"]),
        ({"amount_max": "100000"}, ["a", "d"]),
        ({"amount_min": "60000", "amount_max": "160000"}, ["d", "b"]),
        ({"days_min": "15"}, ["a", "d"]),
        ({"days_max": "10"}, ["b", "c"]),
        ({"days_min": "5", "days_max": "30"}, ["d", "b"]),
        ({"q": "bravo"}, ["b"]),
        ({"sort": "-amount"}, ["c", "b", "d", "a"]),
        ({"sort": "amount"}, ["a", "d", "b", "c"]),
        ({"sort": "company"}, ["a", "b", "c", "d"]),
        ({"sort": "-waiting"}, ["c", "b", "d", "a"]),
    ],
)
def test_filters_and_sorting(client, world, officer_x, params, expected):
    login(client, officer_x)
    assert refs(client.get(QUEUE, params)) == names(world, *expected)
    # The API answers the same.
    response = client.get("/api/v1/instruction/queue", {"scheme": STARTUP, **params})
    assert response.status_code == 200
    assert [r["reference"] for r in response.json()["items"]] == names(world, *expected)


def test_filter_by_call_and_by_officer_in_charge(client, world, officer_x):
    login(client, officer_x)
    assert refs(client.get(QUEUE, {"call": world["other_call"].reference})) == names(world, "d")
    ApplicationAssignment.objects.create(
        application=world["b"], officer=officer_x, assigned_at=timezone.now()
    )
    assert refs(client.get(QUEUE, {"assigned": "me"})) == names(world, "b")
    assert refs(client.get(QUEUE, {"assigned": "none"})) == names(world, "a", "d", "c")


def test_an_invalid_filter_is_ignored_on_the_page_and_refused_by_the_api(client, world, officer_x):
    login(client, officer_x)
    response = client.get(QUEUE, {"amount_min": "beaucoup", "per_page": "7"})
    assert response.status_code == 200
    assert refs(response) == names(world, "a", "d", "b", "c")
    response = client.get(
        "/api/v1/instruction/queue",
        {"scheme": STARTUP, "amount_min": "beaucoup", "page_size": "500", "sort": "x"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"] == {
        "amount_min": ["Un nombre est attendu."],
        "page_size": ["La valeur doit être au plus 200."],
        "sort": [body["errors"]["sort"][0]],
    }
    assert body["errors"]["sort"][0].startswith("Valeur inconnue ; attendues : 'waiting'")
    # An empty filter is no filter, as on the page; a decimal comma is read.
    response = client.get(
        "/api/v1/instruction/queue", {"scheme": STARTUP, "amount_min": "", "days_max": ""}
    )
    assert [r["reference"] for r in response.json()["items"]] == names(world, "a", "d", "b", "c")
    response = client.get("/api/v1/instruction/queue", {"scheme": STARTUP, "amount_min": "1,5"})
    assert response.status_code == 200


def test_the_queue_row_shows_what_an_officer_needs(client, world, officer_x):
    login(client, officer_x)
    row = client.get(QUEUE, {"q": "Bravo"}).context["rows"][0]
    assert (row.section, row.days, row.officer) == ("C", 10, None)
    data = client.get("/api/v1/instruction/queue", {"scheme": STARTUP, "q": "Bravo"}).json()
    item = data["items"][0]
    assert item["sector"] == "C" and item["days_waiting"] == 10
    assert item["requested_amount"] == "150000.00"
    assert item["departement"] == "34"


def test_pagination(client, call, officer_x):
    for _ in range(30):
        filed(call=call)
    login(client, officer_x)
    first = client.get(QUEUE)
    assert len(first.context["rows"]) == 25
    assert first.context["page"].paginator.count == 30
    second = client.get(QUEUE, {"page": 2})
    assert len(second.context["rows"]) == 5
    assert set(refs(first)).isdisjoint(refs(second))
    assert len(client.get(QUEUE, {"per_page": 50}).context["rows"]) == 30
    url = "/api/v1/instruction/queue"
    data = client.get(url, {"scheme": STARTUP, "page": "2", "page_size": "25"}).json()
    assert (data["count"], len(data["items"])) == (30, 5)
    assert len(client.get(url, {"scheme": STARTUP}).json()["items"]) == 30  # 50 a page
    assert client.get(url, {"scheme": STARTUP, "page": "3"}).json() == {"items": [], "count": 30}


def test_bulk_start_review_reports_each_dossier(client, world, officer_x):
    login(client, officer_x)
    response = client.post(
        reverse("web:instruction_queue_bulk", kwargs={"scheme": STARTUP}),
        {
            "action": "start_review",
            "selected": [world["a"].reference, world["b"].reference, world["d"].reference],
            "next": QUEUE + "?sort=amount",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == QUEUE + "?sort=amount"
    for key, state in [("a", "under_review"), ("b", "under_review"), ("d", "incomplete")]:
        world[key].refresh_from_db()
        assert world[key].state == state
        assert (
            key == "d" or world[key].assignment.officer == officer_x
        )  # put in charge when starting
    messages = [str(m) for m in response.context["messages"]]
    assert any("2 dossier(s)" in m for m in messages)
    assert any(world["d"].reference in m and "Incomplet" in m for m in messages)


def test_bulk_assign_to_me_and_foreign_references_are_ignored(client, world, officer_x):
    foreign = filed(call=CallFactory(scheme_code="ia-rd-projets"))
    login(client, officer_x)
    client.post(
        reverse("web:instruction_queue_bulk", kwargs={"scheme": STARTUP}),
        {"action": "assign_me", "selected": [world["a"].reference, foreign.reference]},
    )
    assert world["a"].assignment.officer == officer_x
    assert not ApplicationAssignment.objects.filter(application=foreign).exists()
    # The API reports the foreign one as not found.
    response = api(
        client,
        "post",
        f"/api/v1/instruction/queue/{STARTUP}/actions",
        json={"action": "start_review", "references": [world["b"].reference, foreign.reference]},
    )
    assert response.status_code == 200
    assert response.json()["done"] == [world["b"].reference]
    assert response.json()["refused"][0]["reference"] == foreign.reference


def test_bulk_without_selection_changes_nothing(client, world, officer_x):
    login(client, officer_x)
    response = client.post(
        reverse("web:instruction_queue_bulk", kwargs={"scheme": STARTUP}),
        {"action": "start_review"},
        follow=True,
    )
    assert response.status_code == 200
    world["a"].refresh_from_db()
    assert world["a"].state == ApplicationState.SUBMITTED


def test_assigning_an_officer_of_another_scheme_is_refused(client, world, officer_x, officer_y):
    response = api(
        client,
        "post",
        f"/api/v1/instruction/dossiers/{world['a'].reference}/assign",
        officer_x,
        json={"officer_email": officer_y.email},
    )
    assert response.status_code == 422
    assert "officer" in response.json()["errors"]
    colleague = officer(STARTUP)
    response = api(
        client,
        "post",
        f"/api/v1/instruction/dossiers/{world['a'].reference}/assign",
        json={"officer_email": colleague.email},
    )
    assert response.status_code == 200
    assert world["a"].assignment.officer == colleague


def test_the_overview_counts_dossiers_per_call_and_state(client, world, officer_x):
    login(client, officer_x)
    response = client.get(reverse("web:instruction"))
    assert response.status_code == 200
    (scheme,) = response.context["schemes"]
    assert scheme.code == STARTUP
    by_call = {c.reference: c.counts for c in scheme.calls}
    assert by_call[world["call"].reference]["submitted"] == 2
    assert by_call[world["call"].reference]["under_review"] == 1
    assert by_call[world["call"].reference]["proposed"] == 1
    assert by_call[world["other_call"].reference]["incomplete"] == 1
    assert scheme.open_count == 4
