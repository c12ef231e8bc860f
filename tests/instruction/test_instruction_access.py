"""Who reaches which dossier: officers only their schemes' filed dossiers (404 otherwise,
pages and API), experts only the dossiers they are invited on, applicants nothing here."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from plania.applications.enums import ApplicationState
from plania.instruction.models import SchemeAssignment
from plania.instruction.services import expert_invite
from tests.instruction.helpers import (
    IA,
    STARTUP,
    CallFactory,
    applicant_of,
    expert,
    filed,
    login,
    person,
)

pytestmark = pytest.mark.django_db


def page(reference):
    return reverse("web:instruction_dossier", kwargs={"reference": reference})


def api_url(reference, suffix=""):
    return f"/api/v1/instruction/dossiers/{reference}{suffix}"


def test_an_officer_sees_a_dossier_of_their_scheme(client, dossier, officer_x):
    login(client, officer_x)
    assert client.get(page(dossier.reference)).status_code == 200
    assert client.get(api_url(dossier.reference)).status_code == 200


def test_an_officer_of_scheme_x_gets_404_on_a_dossier_of_scheme_y(client, officer_x):
    other = filed(call=CallFactory(scheme_code=IA))
    login(client, officer_x)
    assert client.get(page(other.reference)).status_code == 404
    assert client.get(api_url(other.reference)).status_code == 404
    # Nor can they act on it.
    for name in ("instruction_start_review", "instruction_propose", "instruction_assign"):
        url = reverse(f"web:{name}", kwargs={"reference": other.reference})
        assert client.post(url).status_code == 404
    response = client.post(
        api_url(other.reference, "/request-missing"),
        data={"message": "Pièces ?"},
        content_type="application/json",
    )
    assert response.status_code == 404
    # The API's one error format, the same as for a dossier that does not exist.
    assert response.json()["code"] == "not_found"
    assert set(response.json()) == {"detail", "code", "errors"}
    other.refresh_from_db()
    assert other.state == ApplicationState.SUBMITTED


def test_an_officer_of_scheme_x_gets_404_on_the_queue_of_scheme_y(client, officer_x):
    login(client, officer_x)
    assert client.get(reverse("web:instruction_queue", kwargs={"scheme": IA})).status_code == 404
    assert client.get("/api/v1/instruction/queue", {"scheme": IA}).status_code == 404
    assert (
        client.get(reverse("web:instruction_queue", kwargs={"scheme": STARTUP})).status_code == 200
    )


def test_drafts_are_never_shown_to_officers(client, call, officer_x):
    draft = filed(call=call, state=ApplicationState.DRAFT)
    login(client, officer_x)
    assert client.get(page(draft.reference)).status_code == 404


@pytest.mark.parametrize("who", ["applicant", "plain", "expert"])
def test_people_without_the_officer_role_get_404(client, dossier, who):
    user = {
        "applicant": lambda: applicant_of(dossier),
        "plain": lambda: person(),
        "expert": lambda: expert(),
    }[who]()
    login(client, user)
    assert client.get(reverse("web:instruction")).status_code == 404
    assert client.get(page(dossier.reference)).status_code == 404
    assert client.get(api_url(dossier.reference)).status_code == 404
    assert client.get("/api/v1/instruction/queue", {"scheme": STARTUP}).status_code == 404


def test_the_api_needs_authentication(client, dossier):
    assert client.get(api_url(dossier.reference)).status_code == 401
    assert client.get("/api/v1/instruction/expertises").status_code == 401


def test_the_api_accepts_a_personal_token(client, dossier, officer_x):
    from plania.accounts.services import api_token_create

    _token, plaintext = api_token_create(user=officer_x, name="intégration")
    response = client.get(
        api_url(dossier.reference), headers={"Authorization": f"Bearer {plaintext}"}
    )
    assert response.status_code == 200
    assert response.json()["reference"] == dossier.reference


def test_an_expert_not_invited_gets_404(client, dossier, officer_x, an_expert):
    other_expert = expert()
    expert_invite(application=dossier, expert=an_expert, actor=officer_x)
    login(client, other_expert)
    url = reverse("web:instruction_expertise", kwargs={"reference": dossier.reference})
    assert client.get(url).status_code == 404
    scores = reverse("web:instruction_scores", kwargs={"reference": dossier.reference})
    assert client.get(scores).status_code == 404
    assert client.get(f"/api/v1/instruction/expertises/{dossier.reference}").status_code == 404
    assert (
        client.get(f"/api/v1/instruction/expertises/{dossier.reference}/scores").status_code == 404
    )
    # The invited expert reaches it.
    login(client, an_expert)
    assert client.get(url).status_code == 200


def test_an_expert_sees_only_their_invitations(client, call, officer_x, an_expert):
    mine, theirs = filed(call=call), filed(call=call)
    expert_invite(application=mine, expert=an_expert, actor=officer_x)
    expert_invite(application=theirs, expert=expert(), actor=officer_x)
    login(client, an_expert)
    response = client.get("/api/v1/instruction/expertises")
    assert [e["reference"] for e in response.json()["items"]] == [mine.reference]
    html = client.get(reverse("web:instruction_expertises")).content.decode()
    assert mine.reference in html and theirs.reference not in html


def test_a_superuser_instructs_every_scheme(client, dossier):
    admin = person(is_superuser=True, is_staff=True)
    login(client, admin)
    assert client.get(page(dossier.reference)).status_code == 200


def test_assign_officer_command(dossier):
    user = person(email="nouvel.instructeur@region.example")
    call_command("assign_officer", "Nouvel.Instructeur@region.example", STARTUP)
    assert SchemeAssignment.objects.filter(officer=user, scheme_code=STARTUP).exists()
    assert user.groups.filter(name="officer").exists()
    # Idempotent, and removable.
    call_command("assign_officer", user.email, STARTUP)
    assert SchemeAssignment.objects.filter(officer=user).count() == 1
    call_command("assign_officer", user.email, STARTUP, "--remove")
    assert not SchemeAssignment.objects.filter(officer=user).exists()


def test_assign_officer_refuses_an_unknown_scheme_or_person(db):
    from django.core.management.base import CommandError

    person(email="agent@region.example")
    with pytest.raises(CommandError, match="Dispositif inconnu"):
        call_command("assign_officer", "agent@region.example", "no-such-scheme")
    with pytest.raises(CommandError, match="no user"):
        call_command("assign_officer", "nobody@region.example", STARTUP)


def test_the_admin_assigns_officers(client, officer_x):
    admin = person(is_superuser=True, is_staff=True)
    login(client, admin)
    response = client.get(reverse("admin:instruction_schemeassignment_add"))
    assert response.status_code == 200
    response = client.post(
        reverse("admin:instruction_schemeassignment_add"),
        {"officer": officer_x.pk, "scheme_code": IA},
    )
    assert response.status_code == 302
    assignment = SchemeAssignment.objects.get(officer=officer_x, scheme_code=IA)
    assert assignment.assigned_by == admin
