"""Who viewed a dossier (issue 7 item 6): recorded from the dossier pages and the API,
at most one row per person, dossier and minute."""

import pytest
from django.urls import reverse

from plania.accounts.services import api_token_create
from plania.privacy.models import DossierView
from plania.privacy.services import dossier_view_record
from tests.applications.factories import draft

pytestmark = pytest.mark.django_db


def test_the_applicant_page_records_one_view_per_minute(client, clock, call, user):
    app = draft(call, user)
    client.force_login(user)
    url = reverse("web:application", kwargs={"reference": app.reference})
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    clock.advance(seconds=20)
    assert client.get(url).status_code == 200
    assert DossierView.objects.filter(application=app, user=user).count() == 1
    clock.advance(minutes=1)
    assert client.get(url).status_code == 200
    views = list(DossierView.objects.filter(application=app, user=user).order_by("at"))
    assert len(views) == 2
    assert views[0].at.second == 0 and views[0].at.microsecond == 0


def test_a_foreign_dossier_is_404_and_records_nothing(client, call, user, other_user):
    app = draft(call, user)
    client.force_login(other_user)
    url = reverse("web:application", kwargs={"reference": app.reference})
    assert client.get(url).status_code == 404
    assert not DossierView.objects.exists()


def test_the_api_detail_records_the_view(client, call, user):
    app = draft(call, user)
    _, token = api_token_create(user=user, name="ERP")
    response = client.get(
        f"/api/v1/applications/{app.reference}", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 200
    assert DossierView.objects.filter(application=app, user=user).count() == 1


def test_the_service_is_one_row_per_user_dossier_and_minute(clock, call, user, other_user):
    app = draft(call, user)
    first = dossier_view_record(user=user, application=app)
    again = dossier_view_record(user=user, application=app)
    assert first == again
    dossier_view_record(user=other_user, application=app)
    clock.advance(minutes=1)
    dossier_view_record(user=user, application=app)
    assert DossierView.objects.count() == 3


def test_anonymous_records_nothing(call, user):
    from django.contrib.auth.models import AnonymousUser

    app = draft(call, user)
    assert dossier_view_record(user=AnonymousUser(), application=app) is None
    assert not DossierView.objects.exists()


def test_the_officer_page_and_api_record_the_officer(client):
    from tests.instruction.helpers import STARTUP, CallFactory, api, filed, login, officer

    app = filed(call=CallFactory())
    agent = officer(STARTUP, email="instructrice@region.example")
    login(client, agent)
    url = reverse("web:instruction_dossier", kwargs={"reference": app.reference})
    assert client.get(url).status_code == 200
    assert api(client, "get", f"/api/v1/instruction/dossiers/{app.reference}").status_code == 200
    assert DossierView.objects.filter(application=app, user=agent).count() == 1
