"""Connection settings PlanIA sets on PostgreSQL (plania/settings.py)."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_planner_costs_are_those_of_an_ssd():
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"
