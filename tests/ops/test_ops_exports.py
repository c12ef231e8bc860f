"""Background exports on /exports/ (issue 8 item 1): the annual steering report and the
SCDL file are made by a job, followed on a page that reloads itself, downloaded by the
person who asked while they hold the role; a failure is shown to them and recorded."""

import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone
from django_tasks.base import Task

from plania.accounts.roles import Role
from plania.documents.storage import private_storage
from plania.ops.models import Export, ExportKind, ExportStatus
from plania.ops.services import ExportError, export_request
from tests.factories import UserFactory
from tests.opendata.conftest import REGION_SIRET
from tests.opendata.world import world
from tests.ops.jobs import held_jobs, run_as_worker
from tests.security.otp import otp_force_login
from tests.steering.data import dataset, steering_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private(private_storage_dir):
    return private_storage_dir


@pytest.fixture
def data(db):
    return dataset()


def finance_user():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=Role.FINANCE)[0])
    return user


def ask(client, kind, as_of=""):
    return client.post("/exports/", {"kind": kind, "as_of": as_of})


def test_the_annual_report_is_made_in_the_background_then_downloaded(
    client, data, django_capture_on_commit_callbacks
):
    from pypdf import PdfReader

    user = steering_user()
    otp_force_login(client, user)
    with held_jobs() as held, django_capture_on_commit_callbacks(execute=True):
        response = ask(client, ExportKind.ANNUAL_REPORT, "2026-07-02")
    export = Export.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/{export.public_id}/"
    # The request only asked: the file is made by the worker.
    assert export.status == ExportStatus.PENDING and export.requested_by == user
    [job] = held
    assert (job.task.name, job.task.queue_name, job.args) == (
        "export_build",
        "exports",
        [export.pk],
    )
    page = client.get(response["Location"])
    assert page.status_code == 200 and page["Refresh"] == "3"
    assert "En attente" in page.content.decode()
    assert client.get(f"/exports/{export.public_id}/fichier/").status_code == 404

    run_as_worker(held)
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE
    assert export.filename == "rapport-pilotage-2026-07-02.pdf"
    page = client.get(f"/exports/{export.public_id}/")
    assert "Refresh" not in page and "rapport-pilotage-2026-07-02.pdf" in page.content.decode()
    response = client.get(f"/exports/{export.public_id}/fichier/")
    assert response.status_code == 200
    assert 'filename="rapport-pilotage-2026-07-02.pdf"' in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    assert len(content) == export.size
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert "Stratégie IA Occitanie" in " ".join(text.split())
    # A second run of the same job (enqueued twice, re-run by hand) changes nothing.
    run_as_worker(held)
    assert Export.objects.get().file == export.file


def test_the_scdl_file_is_the_command_s_file(
    client, staff, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.PLANIA_REGION_SIRET = REGION_SIRET
    world(staff)
    otp_force_login(client, finance_user())
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client, ExportKind.SCDL_CSV)  # immediate backend: made at once
    export = Export.objects.get()
    assert export.status == ExportStatus.DONE, export.error
    made = b"".join(client.get(f"/exports/{export.public_id}/fichier/").streaming_content)
    out = tmp_path / "subventions.csv"
    call_command("export_scdl", "--output", str(out), stderr=io.StringIO())
    assert made == out.read_bytes()
    assert made.count(b"\r\n") > 2  # the header and the awards
    assert response.status_code == 302


def test_scdl_without_the_region_siret_is_refused_at_once(client, db, settings):
    settings.PLANIA_REGION_SIRET = ""
    otp_force_login(client, finance_user())
    response = ask(client, ExportKind.SCDL_JSON)
    assert response.status_code == 200
    assert "SIRET" in response.content.decode()
    assert not Export.objects.exists()


def test_exports_are_seen_only_by_who_asked_while_they_hold_the_role(client, data):
    owner = steering_user()
    export = export_request(kind=ExportKind.ANNUAL_REPORT, actor=owner)
    other = steering_user()
    otp_force_login(client, other)
    assert client.get(f"/exports/{export.public_id}/").status_code == 404
    assert client.get(f"/exports/{export.public_id}/fichier/").status_code == 404
    # Their list holds only their own.
    assert str(export.public_id) not in client.get("/exports/").content.decode()
    # The owner without the role any more: gone too.
    owner.groups.clear()
    otp_force_login(client, owner)
    assert client.get(f"/exports/{export.public_id}/").status_code == 404
    page = client.get("/exports/")
    assert (
        page.status_code == 200 and "Aucun export n'est ouvert à vos rôles" in page.content.decode()
    )
    assert 'name="kind"' not in page.content.decode()
    assert ask(client, ExportKind.ANNUAL_REPORT).status_code == 200  # nothing asked
    assert Export.objects.count() == 1
    # An applicant may ask for nothing.
    with pytest.raises(ExportError):
        export_request(kind=ExportKind.ANNUAL_REPORT, actor=UserFactory())
    # Finance may not ask for the steering report, nor steering for the SCDL file.
    with pytest.raises(ExportError):
        export_request(kind=ExportKind.ANNUAL_REPORT, actor=finance_user())
    with pytest.raises(ExportError):
        export_request(kind=ExportKind.SCDL_CSV, actor=other)


def test_staff_need_the_second_factor_on_the_exports_pages(client, data):
    client.force_login(steering_user())  # password only
    response = client.get("/exports/")
    assert response.status_code == 302 and "/securite/otp/" in response["Location"]


def test_a_failed_export_is_shown_and_recorded_as_failed(
    client, db, failed_tasks, django_capture_on_commit_callbacks
):
    # No plan loaded: the steering report has nothing to show.
    user = steering_user()
    otp_force_login(client, user)
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, ExportKind.ANNUAL_REPORT)
    export = Export.objects.get()
    assert export.status == ExportStatus.FAILED
    assert "Aucun plan n'est chargé" in export.error
    page = client.get(f"/exports/{export.public_id}/").content.decode()
    assert "Aucun plan" in page and "Échec" in page
    [result] = failed_tasks
    assert result.errors[0].exception_class_path == "plania.ops.tasks.ExportFailed"


def test_an_export_that_cannot_be_enqueued_says_so(
    data, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(Task, "enqueue", broken)
    with django_capture_on_commit_callbacks(execute=True):
        export = export_request(kind=ExportKind.ANNUAL_REPORT, actor=steering_user())
    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED and "file d'attente" in export.error


def test_old_exports_are_pruned_with_their_files(data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        old = export_request(kind=ExportKind.ANNUAL_REPORT, actor=steering_user())
        recent = export_request(kind=ExportKind.ANNUAL_REPORT, actor=steering_user())
    old.refresh_from_db()
    recent.refresh_from_db()
    Export.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=31))
    assert private_storage().exists(old.file)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("prune_exports", "--days", "30", stdout=out)
    assert "1 export(s) deleted" in out.getvalue()
    assert not private_storage().exists(old.file) and private_storage().exists(recent.file)
    assert list(Export.objects.all()) == [recent]
