"""An applicant of company A gets 404 on every page and API route of company B's dossier,
as if it did not exist; and nothing of it changes."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from plania.accounts.services import api_token_create
from plania.applications.models import Application, ApplicationEvent
from plania.applications.services import application_submit
from tests.applications.factories import draft

pytestmark = pytest.mark.django_db

DOSSIER_ROUTES = [
    "application",
    "application_edit",
    "application_autosave",
    "application_submit",
    "application_receipt",
    "application_withdraw",
    "application_answer",
]


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def test_the_list_of_dossier_routes_is_complete():
    names = {
        p.name for route, p in _walk(get_resolver().url_patterns) if "<str:reference>" in route
    }
    assert {n for n in names if n and n.startswith("application")} == set(DOSSIER_ROUTES)


@pytest.mark.parametrize("name", DOSSIER_ROUTES)
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("state", ["draft", "submitted"])
def test_every_page_of_another_companys_dossier_is_404(
    client, call, user, other_user, name, method, state
):
    theirs = draft(call, other_user)
    if state == "submitted":
        theirs = application_submit(application=theirs, actor=other_user).application
    before = (theirs.version, ApplicationEvent.objects.count())
    client.force_login(user)
    url = reverse(f"web:{name}", kwargs={"reference": theirs.reference})
    response = getattr(client, method)(url, {"version": theirs.version, "confirm": "oui"})
    assert response.status_code == 404, url
    theirs.refresh_from_db()
    assert (theirs.version, ApplicationEvent.objects.count()) == before
    # The same page of one's own dossier exists.
    mine = draft(call, user)
    own = client.get(reverse(f"web:{name}", kwargs={"reference": mine.reference}))
    assert own.status_code in (200, 302, 405)


def test_every_api_route_of_another_companys_dossier_is_404(client, call, user, other_user):
    theirs = draft(call, other_user)
    _, token = api_token_create(user=user, name="test")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    base = f"/api/v1/applications/{theirs.reference}"
    calls = [
        ("get", base, None),
        ("patch", base, {"version": theirs.version, "answers": {"headcount": "1"}}),
        ("post", f"{base}/submit", {}),
        ("post", f"{base}/withdraw", {"reason": ""}),
        ("post", f"{base}/answer", {"message": ""}),
        ("get", f"{base}/history", None),
    ]
    from plania.api.urls import api

    routes = {
        path
        for prefix, router in api._routers
        if prefix == "/applications"
        for path in router.path_operations
        if "{reference}" in path
    }
    assert routes == {
        "/{reference}",
        "/{reference}/submit",
        "/{reference}/withdraw",
        "/{reference}/answer",
        "/{reference}/history",
    }
    for method, url, body in calls:
        kwargs = {"content_type": "application/json", "data": body} if body is not None else {}
        response = getattr(client, method)(url, **kwargs, **auth)
        assert response.status_code == 404, (method, url, response.content)
    assert Application.objects.get(pk=theirs.pk).state == "draft"
    # And the dossier does not appear in the caller's list.
    listed = client.get("/api/v1/applications/", **auth).json()
    assert theirs.reference not in {d["reference"] for d in listed["items"]}


def test_a_pending_member_sees_nothing(client, call, user, other_user):
    from tests.companies.factories import MembershipFactory

    theirs = draft(call, other_user)
    MembershipFactory(user=user, company=theirs.company, pending=True)
    client.force_login(user)
    assert client.get(f"/dossiers/{theirs.reference}/").status_code == 404
    assert theirs.reference not in client.get("/dossiers/").content.decode()


def test_creating_a_dossier_for_a_company_one_does_not_act_for_is_404(
    client, call, user, other_user
):
    client.force_login(user)
    siren = other_user.memberships.get().company.siren
    response = client.post(f"/appels/{call.reference}/nouveau-dossier/", {"siren": siren})
    assert response.status_code == 404
    assert not Application.objects.exists()


def test_unverified_people_are_told_to_verify(client, call):
    from tests.factories import UserFactory

    person = UserFactory()
    client.force_login(person)
    assert client.get("/dossiers/").status_code == 403
