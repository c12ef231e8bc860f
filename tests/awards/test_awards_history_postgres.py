"""On PostgreSQL, raw SQL cannot change or delete an award's history row."""

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from plania.accounts.roles import Role
from plania.awards.models import AwardEvent
from plania.committee.services import session_create
from tests.awards.dossiers import with_role

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE awards_awardevent SET action = 'forged' WHERE id = %s",
        "DELETE FROM awards_awardevent WHERE id = %s",
    ],
)
def test_trigger_refuses_raw_update_and_delete(statement):
    member = with_role(Role.COMMITTEE, email="elu-history@region.example")
    session_create(
        held_on=date(2025, 6, 12), title="Séance", deliberation_prefix="CP/HIST", actor=member
    )
    event = AwardEvent.objects.latest("id")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [event.pk])
    event.refresh_from_db()
    assert event.action == "session_create"
