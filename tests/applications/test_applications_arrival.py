"""Fairness at the deadline: a submission is judged on the instant its request reached
the platform (request.arrived_at, plania/ops/middleware.py), not on when a busy server
got round to it. A request that arrived before the closing and waited in a queue is
accepted and filed at its arrival; one that arrived after is refused."""

from datetime import UTC, timedelta

import pytest

from plania.accounts.services import api_token_create
from plania.api import applications as api_applications
from plania.applications.enums import ApplicationState
from plania.applications.services import ApplicationError, application_submit
from tests.applications.factories import CLOSES, draft

pytestmark = pytest.mark.django_db


def test_received_before_the_deadline_but_handled_after_is_accepted(call, clock, user):
    app = draft(call, user)
    clock.set(CLOSES + timedelta(seconds=3))
    result = application_submit(
        application=app, actor=user, received_at=CLOSES - timedelta(milliseconds=1)
    )
    assert result.created
    app.refresh_from_db()
    assert app.state == ApplicationState.SUBMITTED
    assert app.submitted_at == CLOSES - timedelta(milliseconds=1)
    assert app.receipt_number == f"AR-{app.reference}-20250331-115959"


def test_received_at_the_deadline_is_refused(call, clock, user):
    app = draft(call, user)
    clock.set(CLOSES + timedelta(seconds=3))
    with pytest.raises(ApplicationError) as refused:
        application_submit(application=app, actor=user, received_at=CLOSES)
    assert refused.value.code == "deadline"
    app.refresh_from_db()
    assert app.state == ApplicationState.DRAFT and app.submitted_at is None


def test_a_received_at_in_the_future_counts_as_now(call, clock, user):
    app = draft(call, user)
    clock.set(CLOSES + timedelta(seconds=1))
    with pytest.raises(ApplicationError) as refused:
        application_submit(
            application=app, actor=user, received_at=CLOSES - timedelta(hours=1) + timedelta(days=1)
        )
    assert refused.value.code == "deadline"


def _wait_in_queue(monkeypatch, clock, seconds):
    """Between the arrival stamp and the view's work, the server is busy `seconds`."""
    applications_of = api_applications.applications_of

    def slow(user):
        clock.advance(seconds=seconds)
        return applications_of(user)

    monkeypatch.setattr(api_applications, "applications_of", slow)


def _submit(client, app, user, **headers):
    _, token = api_token_create(user=user, name="ERP")
    return client.post(
        f"/api/v1/applications/{app.reference}/submit",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **headers,
    )


def test_api_request_arrived_before_the_closing_and_queued_past_it_is_accepted(
    client, call, clock, user, monkeypatch
):
    app = draft(call, user)
    clock.set(CLOSES - timedelta(milliseconds=200))
    _wait_in_queue(monkeypatch, clock, 2)
    response = _submit(client, app, user)
    assert response.status_code == 201, response.content
    app.refresh_from_db()
    assert app.submitted_at == CLOSES - timedelta(milliseconds=200)


def test_api_request_arrived_after_the_closing_is_refused(client, call, clock, user, monkeypatch):
    app = draft(call, user)
    clock.set(CLOSES + timedelta(milliseconds=1))
    response = _submit(client, app, user)
    assert response.status_code == 403
    assert response.json()["code"] == "deadline"


def _stamp(moment):
    return {"HTTP_X_REQUEST_START": f"t={moment.timestamp():.3f}"}


def test_a_trusted_proxy_stamp_before_the_closing_is_honoured(client, call, clock, user, settings):
    settings.PLANIA_TRUST_REQUEST_START = True
    app = draft(call, user)
    clock.set(CLOSES + timedelta(seconds=2))
    response = _submit(client, app, user, **_stamp(CLOSES - timedelta(milliseconds=500)))
    assert response.status_code == 201, response.content
    app.refresh_from_db()
    assert app.submitted_at == CLOSES - timedelta(milliseconds=500)


def test_a_trusted_proxy_stamp_after_the_closing_is_refused(client, call, clock, user, settings):
    settings.PLANIA_TRUST_REQUEST_START = True
    app = draft(call, user)
    clock.set(CLOSES + timedelta(seconds=2))
    response = _submit(client, app, user, **_stamp(CLOSES + timedelta(milliseconds=1)))
    assert response.status_code == 403
    assert response.json()["code"] == "deadline"


def test_the_header_is_ignored_unless_the_proxy_is_trusted(client, call, clock, user):
    app = draft(call, user)
    clock.set(CLOSES + timedelta(seconds=2))
    response = _submit(client, app, user, **_stamp(CLOSES - timedelta(seconds=1)))
    assert response.status_code == 403
    assert response.json()["code"] == "deadline"


def test_the_web_form_judges_the_deadline_on_the_arrival_too(client, call, clock, user, settings):
    settings.PLANIA_TRUST_REQUEST_START = True
    app = draft(call, user)
    clock.set(CLOSES + timedelta(seconds=2))
    client.force_login(user)
    response = client.post(
        f"/dossiers/{app.reference}/depot/",
        {"version": app.version},
        **_stamp(CLOSES - timedelta(seconds=1)),
    )
    assert response.status_code == 302, response.content[:500]
    app.refresh_from_db()
    assert app.submitted_at == (CLOSES - timedelta(seconds=1)).astimezone(UTC)
