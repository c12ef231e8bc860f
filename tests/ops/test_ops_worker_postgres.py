"""The real worker on PostgreSQL (issue 8 item 1): mails enqueued by this process with the
database backend are taken by `plania db_worker`, started as a separate process on the
same test database, which delivers them (file-based mail backend into a temporary folder)
and marks their rows successful; a job that fails is recorded as failed, with its
exception, and the worker goes on with the next one. The test stops the worker (SIGTERM)
and it exits cleanly.

Transactional test: the worker only sees committed rows.
"""

import email
import email.policy
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from plania.accounts import emails as accounts_emails
from plania.core.jobs import QUEUES
from plania.payments import emails as payments_emails
from tests.factories import UserFactory
from tests.processes import database_url

pytestmark = [pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": QUEUES}}


def wait_for(condition, what: str, worker: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert worker.poll() is None, f"the worker stopped (code {worker.returncode})"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def status(result_id: str) -> str:
    return DBTaskResult.objects.get(pk=result_id).status


def delivered(folder: Path) -> list[email.message.EmailMessage]:
    """The messages the file-based backend wrote (one file per connection, separated by a
    line of dashes)."""
    messages = []
    for path in sorted(folder.glob("*.log")) if folder.exists() else []:
        for part in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if part.strip():
                messages.append(
                    email.message_from_bytes(part.lstrip(), policy=email.policy.default)
                )
    return messages


@pytest.fixture
def worker(settings, tmp_path):
    """`plania db_worker` against this test database, mails into tmp_path/mail."""
    settings.TASKS = DATABASE
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "plania.settings",
        "PLANIA_TASKS_BACKEND": "database",
        "PLANIA_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "PLANIA_VAR_DIR": str(tmp_path),
        "PLANIA_BASE_URL": "https://aides.region.example",
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "plania",
            "db_worker",
            "--no-reload",
            "--no-startup-delay",
            "--queue-name",
            ",".join(QUEUES),
            "--interval",
            "0.1",
            "--worker-id",
            "pytest-worker",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        log.close()


def test_the_worker_delivers_mails_and_survives_a_failing_job(worker, tmp_path):
    user = UserFactory(email="nina@example.org", language="fr", email_verified_at=None)
    mailbox = tmp_path / "mail"

    # A mail about an award that no longer exists: its job fails. Enqueued first.
    failing = payments_emails.closed_send_task.enqueue(987654)
    accounts_emails.verification_email_send(user.pk)
    [verification] = DBTaskResult.objects.filter(
        task_path="plania.accounts.emails.verification_email_send_task"
    )
    assert verification.args_kwargs == {"args": [user.pk], "kwargs": {}}
    assert verification.status == TaskResultStatus.READY and delivered(mailbox) == []

    wait_for(lambda: status(verification.pk) != TaskResultStatus.READY, "the mail job", worker)
    wait_for(lambda: status(verification.pk) == TaskResultStatus.SUCCESSFUL, "its success", worker)
    [message] = delivered(mailbox)
    assert message["To"] == "nina@example.org"
    assert message["Subject"] == "PlanIA : vérifiez votre adresse e-mail"
    assert "https://aides.region.example/compte/verifier/" in message.get_body().get_content()
    done = DBTaskResult.objects.get(pk=verification.pk)
    assert done.worker_ids == ["pytest-worker"] and done.finished_at is not None

    # The failing job: recorded as failed, with its exception; the worker goes on.
    row = DBTaskResult.objects.get(pk=failing.id)
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == "plania.awards.models.Award.DoesNotExist"
    assert "987654" in row.traceback or "DoesNotExist" in row.traceback
    assert worker.poll() is None

    # A later mail still leaves: the same process took it.
    accounts_emails.signup_existing_email_send(user.pk)
    later = DBTaskResult.objects.get(
        task_path="plania.accounts.emails.signup_existing_email_send_task"
    )
    wait_for(lambda: status(later.pk) == TaskResultStatus.SUCCESSFUL, "the second mail", worker)
    assert len(delivered(mailbox)) == 2
    assert DBTaskResult.objects.get(pk=later.pk).worker_ids == ["pytest-worker"]

    # SIGTERM while idle: the worker stops at once and cleanly.
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=20) == 0
    log = (tmp_path / "worker.log").read_text()
    assert "state=FAILED" in log and "state=SUCCESSFUL" in log
