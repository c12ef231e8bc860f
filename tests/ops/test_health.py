import pytest
from django.db import connection


@pytest.mark.django_db
def test_health_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/sante/")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_ready_when_the_database_answers_and_is_migrated(client):
    assert connection.vendor == "postgresql"
    response = client.get("/sante/pret/")
    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_ready_reports_the_jobs_waiting_for_a_worker(client, settings, clock):
    from datetime import timedelta

    from django_tasks_db.models import DBTaskResult

    from plania.core.jobs import QUEUES
    from plania.payments.emails import closed_send

    # The immediate backend keeps no queue: nothing to report.
    assert "tasks" not in client.get("/sante/pret/").json()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": QUEUES}}
    assert client.get("/sante/pret/").json()["tasks"] == {"waiting": 0, "oldest_seconds": 0}
    closed_send(7)
    closed_send(8)
    DBTaskResult.objects.filter(args_kwargs__args=[7]).update(
        enqueued_at=clock() - timedelta(minutes=5)
    )
    response = client.get("/sante/pret/")
    assert response.status_code == 200
    assert response.json()["tasks"] == {"waiting": 2, "oldest_seconds": 300}
