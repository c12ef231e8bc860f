"""Submission: to the second, idempotent, every error at once, eligibility attached,
frozen with the scheme version, a receipt on screen and by e-mail."""

import hashlib
from datetime import timedelta

import pytest
from django.core import mail

from plania.applications.enums import ApplicationState
from plania.applications.models import Application, ApplicationEvent
from plania.applications.services import (
    ApplicationError,
    application_save_draft,
    application_submit,
)
from plania.rules.schemes import SCHEMES_DIR
from tests.applications.factories import CLOSES, OPENS, VALID_ANSWERS, draft

pytestmark = pytest.mark.django_db


def _post_submit(client, app):
    return client.post(f"/dossiers/{app.reference}/depot/", {"version": app.version})


def _snapshot(app):
    app = Application.objects.get(pk=app.pk)
    return (
        app.state,
        app.version,
        app.answers,
        list(app.cost_lines.values_list("label", "amount_text", "eligible")),
        list(app.declared_aids.values_list("granting_body", "amount_text")),
        app.submitted_at,
        app.receipt_number,
    )


def test_one_second_after_the_deadline_is_refused_and_the_draft_kept(client, clock, call, user):
    app = draft(call, user)
    before = _snapshot(app)
    clock.set(CLOSES + timedelta(seconds=1))
    client.force_login(user)  # sessions last 12 hours: sign in at the new time
    response = _post_submit(client, app)
    assert response.status_code == 403
    html = response.content.decode()
    assert "est clos depuis le 31 mars 2025 à 12:00:00 (heure de Paris)" in html
    assert "Votre brouillon est conservé tel quel" in html
    # The form is shown with what was typed.
    assert "Vision IA pour l&#x27;inspection" in html
    assert _snapshot(app) == before
    assert not ApplicationEvent.objects.filter(transition="submit").exists()
    assert mail.outbox == []


def test_at_the_deadline_itself_is_refused(call, clock, user):
    app = draft(call, user)
    clock.set(CLOSES)
    with pytest.raises(ApplicationError) as refused:
        application_submit(application=app, actor=user)
    assert refused.value.code == "deadline"


def test_one_second_before_the_deadline_is_accepted(
    client, clock, call, user, django_capture_on_commit_callbacks
):
    app = draft(call, user)
    clock.set(CLOSES - timedelta(seconds=1))
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_submit(client, app)
    assert response.status_code == 302
    assert response["Location"] == f"/dossiers/{app.reference}/accuse-de-reception/"
    app.refresh_from_db()
    assert app.state == ApplicationState.SUBMITTED
    assert app.submitted_at == CLOSES - timedelta(seconds=1)
    assert app.receipt_number == f"AR-{app.reference}-20250331-115959"
    # The receipt by e-mail, after commit.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert app.reference in message.subject
    assert app.receipt_number in message.body
    assert "31 mars 2025 à 11:59:59 (heure de Paris)" in message.body
    assert f"/dossiers/{app.reference}/accuse-de-reception/" in message.body


def test_before_the_opening_is_refused(call, clock, user):
    app = draft(call, user)
    clock.set(OPENS - timedelta(seconds=1))
    with pytest.raises(ApplicationError) as refused:
        application_submit(application=app, actor=user)
    assert refused.value.code == "not_open"
    assert "ouvre le 1 février 2025 à 09:00:00 (heure de Paris)" in refused.value.message
    clock.set(OPENS)
    assert application_submit(application=app, actor=user).created


def test_double_submit_makes_one_submission_and_one_history_row(
    client, call, user, django_capture_on_commit_callbacks
):
    app = draft(call, user)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        first = _post_submit(client, app)
        # The second click posts the same (now stale) version: same receipt, nothing new.
        second = _post_submit(client, app)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert ApplicationEvent.objects.filter(application=app, transition="submit").count() == 1
    assert len(mail.outbox) == 1
    receipt = Application.objects.get(pk=app.pk).receipt_number
    again = application_submit(application=app, actor=user)
    assert not again.created
    assert again.application.receipt_number == receipt
    page = client.get(first["Location"]).content.decode()
    assert receipt in page
    assert "14 mars 2025 à 10:30:00 (heure de Paris)" in page


def test_submission_lists_every_error_at_once_and_keeps_what_was_typed(client, call, user):
    app = draft(call, user, filled=False)
    app = application_save_draft(
        application=app,
        actor=user,
        answers={**VALID_ANSWERS, "headcount": "douze", "requested_eur": "", "trl": "12"},
        cost_lines=[{"label": "Ingénieurs", "category": "personnel", "amount": "12,345"}],
    )
    client.force_login(user)
    response = _post_submit(client, app)
    assert response.status_code == 200
    html = response.content.decode()
    assert "4 points à corriger" in html
    # In the summary, each linked to its input ...
    assert '<a href="#id_q-headcount">' in html
    assert '<a href="#id_q-requested_eur">' in html
    assert '<a href="#id_q-trl">' in html
    assert '<a href="#id_cost-0-amount">' in html
    # ... and beside it, linked by aria-describedby, with the typed value kept.
    assert 'id="id_q-headcount" value="douze"' in html
    assert (
        'aria-describedby="id_q-headcount-error" aria-required="true" aria-invalid="true"' in html
    )
    assert "Saisissez un nombre entier, par exemple 12." in html
    assert "La valeur doit être d&#x27;au plus 9." in html
    assert "Ce champ est obligatoire pour déposer le dossier." in html
    assert "Un montant a au plus deux décimales" in html
    assert 'value="12,345"' in html
    app.refresh_from_db()
    assert app.state == ApplicationState.DRAFT
    assert app.answers["headcount"] == "douze"


def test_an_ineligible_dossier_can_be_submitted_and_its_explanation_is_kept(call, user):
    app = draft(call, user)
    company = app.company
    company.creation_date = company.creation_date.replace(year=2010)  # 14 years old
    company.save()
    app = application_submit(application=app, actor=user).application
    assert app.state == ApplicationState.SUBMITTED
    eligibility = app.eligibility
    assert eligibility["overall"] == "no"
    age = next(c for c in eligibility["criteria"] if c["id"] == "company_age")
    assert age["verdict"] == "fail"
    assert "moins de 8 ans" in age["rule"]["fr"]
    assert "less than 8 years old" in age["rule"]["en"]
    assert (
        "Date de création de l'entreprise : 15 mars 2010 (âge au 14 mars 2025 : 14 an(s))"
        in (age["seen"]["fr"])
    )
    assert any("Criterion not met" in line for line in eligibility["explanation"]["en"])


def test_the_dossier_is_frozen_with_its_scheme_version(call, user):
    app = application_submit(application=draft(call, user), actor=user).application
    scheme_file = SCHEMES_DIR / "startup-industrie-demain-2025.yaml"
    assert (app.scheme_code, app.scheme_version) == ("startup-industrie-demain", "2025")
    assert app.rules_sha256 == hashlib.sha256(scheme_file.read_bytes()).hexdigest()
    data = app.submitted_data
    assert data["answers"]["headcount"] == 12
    assert data["answers"]["turnover_eur"] == "850000.00"
    assert data["eligible_cost"] == "180000.50"
    assert data["total_cost"] == "182500.50"
    assert data["lab"]["code"] == "laas-cnrs"
    assert data["company"]["siren"] == app.company.siren
    assert len(data["sha256"]) == 64
    assert app.eligibility["overall"] == "yes"
    assert app.requested_amount == 150000
    # Frozen: the applicant cannot change it any more.
    with pytest.raises(ApplicationError) as refused:
        application_save_draft(application=app, actor=user, answers={"headcount": "3"})
    assert refused.value.code == "state"


def test_a_withdrawn_dossier_cannot_be_submitted_again(client, call, user):
    from plania.applications.services import application_withdraw

    app = application_submit(application=draft(call, user), actor=user).application
    application_withdraw(application=app, actor=user, reason="Projet abandonné")
    with pytest.raises(ApplicationError) as refused:
        application_submit(application=app, actor=user)
    assert refused.value.code == "state"
