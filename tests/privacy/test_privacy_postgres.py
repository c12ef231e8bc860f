"""On PostgreSQL the history's triggers still refuse every DELETE, except the events of
the one draft `purge_drafts` deletes (plania/privacy/migrations/0002).
"""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from plania.applications.models import Application, ApplicationEvent
from plania.privacy.services import draft_delete
from tests.applications.factories import draft

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_a_purged_draft_goes_with_its_history_and_others_stay_refused(
    clock, call, user, other_user
):
    mine, theirs = draft(call, user), draft(call, other_user)
    Application.objects.filter(pk=mine.pk).update(updated_at=timezone.now() - timedelta(days=400))
    draft_delete(application=mine)
    assert not Application.objects.filter(pk=mine.pk).exists()
    assert not ApplicationEvent.objects.filter(application_id=mine.pk).exists()
    # Another dossier's history is still append-only in the database.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM applications_applicationevent WHERE application_id = %s", [theirs.pk]
        )
    assert ApplicationEvent.objects.filter(application_id=theirs.pk).exists()
