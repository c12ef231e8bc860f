"""`plania jobs_stalled`: a job whose worker died mid-run is found and, on request, queued
again; a job that is running normally or finished is left alone."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from plania.applications.emails import receipt_send_task

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "exports"]}
}


@override_settings(TASKS=DATABASE_TASKS)
def test_a_job_left_running_by_a_dead_worker_is_listed_then_queued_again():
    stalled, running, done = (receipt_send_task.enqueue(i, i) for i in (1, 2, 3))
    now = timezone.now()
    for result, status, started in (
        (stalled, TaskResultStatus.RUNNING, now - timedelta(hours=2)),
        (running, TaskResultStatus.RUNNING, now - timedelta(minutes=1)),
        (done, TaskResultStatus.SUCCESSFUL, now - timedelta(hours=2)),
    ):
        DBTaskResult.objects.filter(id=result.id).update(
            status=status, started_at=started, worker_ids=["machine-1-123"]
        )

    out = StringIO()
    call_command("jobs_stalled", stdout=out)
    text = out.getvalue()
    assert str(stalled.id) in text and "machine-1-123" in text
    assert str(running.id) not in text and str(done.id) not in text
    assert "1 job(s) running for more than 30 minutes" in text
    assert DBTaskResult.objects.get(id=stalled.id).status == TaskResultStatus.RUNNING

    out = StringIO()
    call_command("jobs_stalled", "--requeue", stdout=out)
    assert "1 job(s) queued again" in out.getvalue()
    states = {str(r.id): r.status for r in DBTaskResult.objects.all()}
    assert states[stalled.id] == TaskResultStatus.READY
    assert states[running.id] == TaskResultStatus.RUNNING
    assert states[done.id] == TaskResultStatus.SUCCESSFUL
    # Ready again: the next worker takes it.
    assert DBTaskResult.objects.ready().filter(id=stalled.id).exists()
