import pytest
from django.db import connection


@pytest.mark.django_db
def test_health_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/sante/")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_ready_when_the_database_answers_and_is_migrated(client):
    assert connection.vendor in {"sqlite", "postgresql"}
    response = client.get("/sante/pret/")
    assert response.status_code == 200, response.content
