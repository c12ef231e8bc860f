"""Private notes: officers, experts without a conflict and the committee read them;
applicants never do (pages and API)."""

import pytest
from django.urls import reverse

from plania.instruction.models import InternalNote
from plania.instruction.services import (
    InstructionError,
    conflict_declare,
    expert_invite,
    note_add,
)
from tests.instruction.helpers import api, applicant_of, committee_member, expert, login

pytestmark = pytest.mark.django_db

SECRET = "Doute sur la solidité financière : vérifier le bilan 2024."


def notes_api(dossier):
    return f"/api/v1/instruction/dossiers/{dossier.reference}/notes"


@pytest.fixture
def noted(dossier, officer_x):
    note_add(application=dossier, actor=officer_x, body=SECRET)
    return dossier


def test_an_officer_writes_and_reads_notes(client, dossier, officer_x):
    login(client, officer_x)
    response = client.post(
        reverse("web:instruction_note", kwargs={"reference": dossier.reference}), {"body": SECRET}
    )
    assert response.status_code == 302
    note = InternalNote.objects.get()
    assert (note.author, note.body) == (officer_x, SECRET)
    html = client.get(
        reverse("web:instruction_dossier", kwargs={"reference": dossier.reference})
    ).content.decode()
    assert "solidité financière" in html
    response = client.get(notes_api(dossier))
    assert [n["body"] for n in response.json()["items"]] == [SECRET]
    empty = api(client, "post", notes_api(dossier), json={"body": "  "})
    assert empty.status_code == 422 and "body" in empty.json()["errors"]


def test_applicants_never_see_private_notes(client, noted, officer_x):
    member = applicant_of(noted, email="dirigeant@garonne.example")
    login(client, member)
    # Their own dossier's pages (the applications room's) do not show them...
    for name in ("application", "application_receipt"):
        response = client.get(reverse(f"web:{name}", kwargs={"reference": noted.reference}))
        assert response.status_code == 200
        assert "solidité financière" not in response.content.decode()
    # ...nor does any API they may call; the notes API is a 404 for them.
    assert client.get(notes_api(noted)).status_code == 404
    assert api(client, "post", notes_api(noted), json={"body": "Hop"}).status_code == 404
    assert client.get(f"/api/v1/instruction/dossiers/{noted.reference}").status_code == 404
    for path in (f"/api/v1/applications/{noted.reference}", f"/api/v1/messages/{noted.reference}"):
        response = client.get(path)
        assert "solidité financière" not in response.content.decode()
    # And the service refuses them.
    with pytest.raises(InstructionError):
        note_add(application=noted, actor=member, body="Je note aussi.")
    assert InternalNote.objects.count() == 1


def test_experts_without_conflict_and_the_committee_read_notes(client, noted, officer_x, an_expert):
    invitation = expert_invite(application=noted, expert=an_expert, actor=officer_x)
    login(client, an_expert)
    # Before the declaration: nothing.
    assert client.get(notes_api(noted)).status_code == 404
    conflict_declare(invitation=invitation, actor=an_expert, conflicted=False)
    assert [n["body"] for n in client.get(notes_api(noted)).json()["items"]] == [SECRET]
    html = client.get(
        reverse("web:instruction_expertise", kwargs={"reference": noted.reference})
    ).content.decode()
    assert "solidité financière" in html
    response = client.post(
        reverse("web:instruction_expert_note", kwargs={"reference": noted.reference}),
        {"body": "Le LAAS confirme la collaboration."},
    )
    assert response.status_code == 302
    assert InternalNote.objects.filter(author=an_expert).exists()

    # A conflicted expert does not.
    other = expert()
    inv = expert_invite(application=noted, expert=other, actor=officer_x)
    conflict_declare(invitation=inv, actor=other, conflicted=True, reason="Concurrent direct.")
    login(client, other)
    assert client.get(notes_api(noted)).status_code == 404
    html = client.get(
        reverse("web:instruction_expertise", kwargs={"reference": noted.reference})
    ).content.decode()
    assert "solidité financière" not in html
    response = client.post(
        reverse("web:instruction_expert_note", kwargs={"reference": noted.reference}), {"body": "x"}
    )
    assert response.status_code == 403

    # The committee reads the notes of a dossier proposed to it.
    member = committee_member()
    login(client, member)
    assert client.get(notes_api(noted)).status_code == 404  # not proposed yet
    from plania.committee.models import AgendaItem, CommitteeSession
    from plania.instruction.models import Proposal

    proposal = Proposal.objects.create(
        application=noted,
        envelope=noted.call.envelope,
        officer=officer_x,
        recommendation="unfavourable",
        amount=0,
        grant_amount=0,
        advance_amount=0,
        advance_gge_amount=0,
        total_gge_amount=0,
        computed_amount=0,
        requested_amount=0,
        eligible_cost=0,
        scheme_code=noted.scheme_code,
        scheme_version=noted.scheme_version,
        rules_date="2025-06-02",
        rules={},
        created_at=noted.submitted_at,
    )
    # Proposed but not on a session's agenda: still not the committee's (issue 13).
    assert client.get(notes_api(noted)).status_code == 404
    session = CommitteeSession.objects.create(
        held_on="2025-07-01", title="CP", deliberation_prefix="CP/T", created_by=officer_x
    )
    AgendaItem.objects.create(
        session=session,
        position=1,
        proposal=proposal,
        envelope=noted.call.envelope,
        beneficiary_name="X",
        proposed_total=0,
        proposed_grant=0,
        proposed_advance=0,
    )
    assert SECRET in [n["body"] for n in client.get(notes_api(noted)).json()["items"]]
