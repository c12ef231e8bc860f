"""Calls: the open_call command, the public catalogue (queries pinned), the dossier list."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from plania.applications.models import Call
from tests.applications.factories import CLOSES, OPENS, PARIS, CallFactory, applicant, draft
from tests.factories import EnvelopeFactory

pytestmark = pytest.mark.django_db


def _open_call(*args: str) -> str:
    out = StringIO()
    call_command("open_call", *args, stdout=out)
    return out.getvalue()


def test_open_call_command(clock):
    EnvelopeFactory(code="startup-2025")
    out = _open_call(
        "startup-industrie-demain",
        "2025",
        "--envelope",
        "startup-2025",
        "--opens",
        "2025-02-01T09:00",
        "--closes",
        "2025-03-31T12:00",
    )
    call = Call.objects.get()
    assert call.reference == "startup-industrie-demain-2025"
    # Naive instants are Paris wall-clock time, stored in UTC.
    assert call.opens_at == datetime(2025, 2, 1, 8, 0, tzinfo=UTC)
    assert call.closes_at == CLOSES
    assert call.title_fr == "Start-Up, industrie de demain — appel 2025"
    assert "from 2025-02-01 09:00:00 to 2025-03-31 12:00:00 (Europe/Paris, closing" in out
    # A second call on the same version gets a reference of its own.
    _open_call(
        "startup-industrie-demain",
        "2025",
        "--envelope",
        "startup-2025",
        "--opens",
        "2025-09-01",
        "--closes",
        "2025-10-01",
        "--title-fr",
        "Second appel",
        "--title-en",
        "Second call",
    )
    assert Call.objects.get(title_fr="Second appel").reference == "startup-industrie-demain-2025-2"


@pytest.mark.parametrize(
    "args, message",
    [
        (("nope", "2025", "--envelope", "env"), "Dispositif ou version inconnus : nope 2025"),
        (("startup-industrie-demain", "2099", "--envelope", "env"), "inconnus"),
        (
            ("startup-industrie-demain", "2025", "--envelope", "missing"),
            "unknown envelope 'missing'",
        ),
    ],
)
def test_open_call_refuses_unknown_scheme_version_and_envelope(clock, args, message):
    EnvelopeFactory(code="env")
    with pytest.raises(CommandError) as refused:
        _open_call(*args, "--opens", "2025-02-01", "--closes", "2025-03-01")
    assert message in str(refused.value)
    assert not Call.objects.exists()


def test_open_call_refuses_closing_before_opening_and_outside_the_version(clock):
    EnvelopeFactory(code="env")
    with pytest.raises(CommandError) as refused:
        _open_call(
            "startup-industrie-demain",
            "2025",
            "--envelope",
            "env",
            "--opens",
            "2025-03-01",
            "--closes",
            "2025-02-01",
        )
    assert "closes_at: La clôture (1 février 2025 00:00:00) doit suivre l'ouverture" in str(
        refused.value
    )
    with pytest.raises(CommandError) as outside:
        _open_call(
            "startup-industrie-demain",
            "2025",
            "--envelope",
            "env",
            "--opens",
            "2025-12-01",
            "--closes",
            "2026-01-15",
        )
    assert "sortent de la période de validité" in str(outside.value)
    with pytest.raises(CommandError) as bad:
        _open_call(
            "startup-industrie-demain",
            "2025",
            "--envelope",
            "env",
            "--opens",
            "demain",
            "--closes",
            "2026-01-15",
        )
    assert "--opens 'demain': expected an ISO date" in str(bad.value)
    assert not Call.objects.exists()


def test_catalogue_lists_open_and_upcoming_calls_in_paris_time(client, clock):
    open_call = CallFactory()
    upcoming = CallFactory(
        opens_at=datetime(2025, 6, 1, 9, 0, tzinfo=PARIS),
        closes_at=datetime(2025, 7, 1, 12, 0, tzinfo=PARIS),
        title_fr="Appel d'été",
    )
    closed = CallFactory(
        opens_at=OPENS - timedelta(days=60), closes_at=OPENS, title_fr="Appel clos"
    )
    html = client.get("/appels/").content.decode()
    assert open_call.title_fr in html and upcoming.title_fr.replace("'", "&#x27;") in html
    assert closed.title_fr not in html
    assert "Du 1 février 2025 à 09:00 au 31 mars 2025 à 12:00 (heure de Paris)" in html
    assert "2\u202f000\u202f000,00" in html
    assert "L&#x27;entreprise doit avoir moins de 8 ans à la date de dépôt du dossier." in html
    assert 'href="/dispositifs/startup-industrie-demain/2025/"' in html
    assert f'href="/appels/{open_call.reference}/eligibilite/"' in html
    assert html.index(open_call.title_fr) < html.index("Appel d&#x27;été")
    english = client.get("/en/appels/").content.decode()
    assert "The company must be less than 8 years old on the application date." in english
    assert 'href="/en/dispositifs/startup-industrie-demain/2025/"' in english


def test_catalogue_queries_do_not_grow_with_the_calls(client, clock, django_assert_max_num_queries):
    for _ in range(8):
        CallFactory()
    with django_assert_max_num_queries(1):
        response = client.get("/appels/")
    assert response.content.decode().count('class="call"') == 8


def test_dossier_list_queries_do_not_grow_with_the_dossiers(
    client, clock, django_assert_max_num_queries
):
    user = applicant()
    company = user.memberships.get().company
    calls = [CallFactory() for _ in range(6)]
    for call in calls:
        draft(call, user, filled=False)
    assert company.applications.count() == 6
    client.force_login(user)
    # Session, user, the dossiers with their calls and companies.
    with django_assert_max_num_queries(3):
        response = client.get("/dossiers/")
    assert response.content.decode().count("data-reference=") == 6


def test_call_page_offers_to_create_a_dossier(client, clock, call, user):
    client.force_login(user)
    html = client.get(f"/appels/{call.reference}/").content.decode()
    assert f'action="/appels/{call.reference}/nouveau-dossier/"' in html
    company = user.memberships.get().company
    response = client.post(f"/appels/{call.reference}/nouveau-dossier/", {"siren": company.siren})
    reference = company.applications.get().reference
    assert reference == "SID-2025-00001"
    assert response["Location"] == f"/dossiers/{reference}/formulaire/"
    # A double click opens the same dossier.
    again = client.post(f"/appels/{call.reference}/nouveau-dossier/", {"siren": company.siren})
    assert again["Location"] == response["Location"]
    assert company.applications.count() == 1
    html = client.get(f"/appels/{call.reference}/").content.decode()
    assert f'href="/dossiers/{reference}/"' in html


def test_no_dossier_on_a_closed_call(client, clock, call, user):
    clock.set(CLOSES)
    client.force_login(user)
    company = user.memberships.get().company
    response = client.post(
        f"/appels/{call.reference}/nouveau-dossier/", {"siren": company.siren}, follow=True
    )
    assert "est clos depuis le 31 mars 2025 à 12:00:00" in response.content.decode()
    assert not company.applications.exists()


def test_references_count_per_prefix_and_year(clock, call, user, other_user):
    rd = CallFactory(rd=True)
    a = draft(call, user, filled=False)
    b = draft(call, other_user, filled=False)
    c = draft(rd, user, filled=False)
    assert (a.reference, b.reference, c.reference) == (
        "SID-2025-00001",
        "SID-2025-00002",
        "RDIA-2025-00001",
    )


def test_the_admin_form_checks_the_scheme_and_dates(clock):
    from plania.applications.admin import CallAdminForm

    envelope = EnvelopeFactory()
    data = {
        "reference": "printemps-2025",
        "scheme_code": "startup-industrie-demain",
        "scheme_version": "2025",
        "envelope": envelope.pk,
        "title_fr": "Appel de printemps",
        "title_en": "Spring call",
        "opens_at": "2025-12-01 09:00",
        "closes_at": "2026-02-01 09:00",
    }
    form = CallAdminForm(data=data)
    assert not form.is_valid()
    assert "sortent de la période de validité" in str(form.errors["opens_at"])
    form = CallAdminForm(
        data={**data, "opens_at": "2025-03-01 09:00", "closes_at": "2025-04-01 09:00"}
    )
    assert form.is_valid(), form.errors
    assert form.save().closes_at == datetime(2025, 4, 1, 9, 0, tzinfo=PARIS)
