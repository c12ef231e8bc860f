"""After submission: status page with history, request for missing items and the
applicant's answer, withdrawal with confirmation."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from plania.accounts.roles import Role
from plania.applications.enums import ApplicationState
from plania.applications.models import ApplicationEvent
from plania.applications.services import (
    ApplicationError,
    application_request_missing,
    application_save_draft,
    application_submit,
)
from tests.applications.factories import draft
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(db, call):
    user = UserFactory(staff=True, first_name="Dominique", last_name="Instructrice")
    user.groups.add(Group.objects.get_or_create(name=Role.OFFICER)[0])
    # Assigned to the call's scheme: the staff who reach its dossiers (issue 13).
    from plania.instruction.models import SchemeAssignment

    SchemeAssignment.objects.create(officer=user, scheme_code=call.scheme_code)
    return user


@pytest.fixture
def submitted(call, user):
    return application_submit(application=draft(call, user), actor=user).application


def test_status_page_shows_the_history(client, user, submitted):
    client.force_login(user)
    html = client.get(f"/dossiers/{submitted.reference}/").content.decode()
    assert "Déposé" in html
    assert submitted.receipt_number in html
    history = html.split('class="history"')[1]
    assert "Création du dossier" in history
    assert "Dépôt du dossier" in history
    assert "Brouillon → Déposé" in history
    assert "14 mars 2025 10:30:00" in history
    assert "Camille Martin" in history
    assert f'href="/dossiers/{submitted.reference}/retrait/"' in html


def test_request_missing_and_answer(
    client, clock, user, submitted, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        application_request_missing(
            application=submitted, actor=officer, message="Joignez le Kbis et précisez le TRL."
        )
    submitted.refresh_from_db()
    assert submitted.state == ApplicationState.INCOMPLETE
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert "Joignez le Kbis" in mail.outbox[0].body
    client.force_login(user)
    html = client.get(f"/dossiers/{submitted.reference}/").content.decode()
    assert "Un instructeur demande des compléments" in html
    assert "Joignez le Kbis et précisez le TRL." in html
    # The applicant may edit the dossier again...
    form = client.get(f"/dossiers/{submitted.reference}/formulaire/")
    assert form.status_code == 200
    application_save_draft(
        application=submitted, actor=user, answers={"trl": "5"}, merge_answers=True
    )
    # ... and answers: back to "submitted", eligibility recomputed on the filing date.
    clock.advance(days=30)
    client.force_login(user)
    response = client.post(
        f"/dossiers/{submitted.reference}/complements/", {"message": "Kbis joint, TRL 5."}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == ApplicationState.SUBMITTED
    assert submitted.submitted_data["answers"]["trl"] == 5
    assert submitted.eligibility["at"] == "2025-03-14"
    events = list(submitted.events.values_list("transition", "from_state", "to_state", "reason"))
    assert events[-2:] == [
        ("request_missing", "submitted", "incomplete", "Joignez le Kbis et précisez le TRL."),
        ("answer_missing", "incomplete", "submitted", "Kbis joint, TRL 5."),
    ]


def test_an_answer_with_an_invalid_dossier_lists_the_errors(client, user, submitted, officer):
    application_request_missing(application=submitted, actor=officer, message="Précisez.")
    application_save_draft(
        application=submitted, actor=user, answers={"headcount": "beaucoup"}, merge_answers=True
    )
    client.force_login(user)
    response = client.post(f"/dossiers/{submitted.reference}/complements/", {"message": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 point à corriger" in html
    assert 'value="beaucoup"' in html
    submitted.refresh_from_db()
    assert submitted.state == ApplicationState.INCOMPLETE


def test_only_staff_request_missing_items_and_with_a_message(user, submitted, officer):
    with pytest.raises(ApplicationError) as refused:
        application_request_missing(application=submitted, actor=user, message="x")
    assert refused.value.code == "forbidden"
    with pytest.raises(ApplicationError) as empty:
        application_request_missing(application=submitted, actor=officer, message="  ")
    assert empty.value.code == "invalid"
    assert not ApplicationEvent.objects.filter(transition="request_missing").exists()


def test_withdrawal_asks_for_confirmation(client, user, submitted):
    client.force_login(user)
    url = f"/dossiers/{submitted.reference}/retrait/"
    page = client.get(url).content.decode()
    assert "Confirmer le retrait du dossier" in page
    # A post without the confirmation only shows the page again.
    assert client.post(url, {"reason": "x"}).status_code == 200
    submitted.refresh_from_db()
    assert submitted.state == ApplicationState.SUBMITTED
    response = client.post(url, {"confirm": "oui", "reason": "Projet abandonné"})
    assert response["Location"] == f"/dossiers/{submitted.reference}/"
    submitted.refresh_from_db()
    assert submitted.state == ApplicationState.WITHDRAWN
    event = submitted.events.get(transition="withdraw")
    assert (event.actor, event.reason) == (user, "Projet abandonné")
    html = client.get(f"/dossiers/{submitted.reference}/").content.decode()
    assert "Retiré" in html
    assert "/retrait/" not in html  # no second withdrawal offered


def test_after_withdrawal_the_company_may_file_a_new_dossier(client, call, user, submitted):
    from plania.applications.services import application_withdraw

    application_withdraw(application=submitted, actor=user)
    fresh = draft(call, user, filled=False)
    assert fresh.pk != submitted.pk
    assert fresh.reference == "SID-2025-00002"
