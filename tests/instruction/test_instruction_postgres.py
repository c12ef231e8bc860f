"""On PostgreSQL, a proposal to the committee cannot be changed even by raw SQL, and two
officers proposing the same dossier at once make one proposal."""

import threading

import pytest
from django.db import connection, connections, transaction
from django.db.utils import IntegrityError, InternalError

from plania.applications.enums import ApplicationState
from plania.instruction.models import Proposal
from plania.instruction.services import (
    InstructionError,
    application_start_review,
    proposal_create,
    review_save,
)
from tests.instruction.helpers import STARTUP, officer

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_raw_update_and_delete_of_a_proposal_are_refused(dossier, officer_x):
    application_start_review(application=dossier, actor=officer_x)
    review_save(application=dossier, actor=officer_x, recommendation="favourable")
    proposal = proposal_create(application=dossier, actor=officer_x)
    for sql in (
        "UPDATE instruction_proposal SET amount = 1 WHERE id = %s",
        "DELETE FROM instruction_proposal WHERE id = %s",
    ):
        with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [proposal.pk])
    assert Proposal.objects.get(pk=proposal.pk).amount == proposal.amount


def test_two_officers_proposing_at_once_make_one_proposal(dossier, officer_x):
    colleague = officer(STARTUP)
    application_start_review(application=dossier, actor=officer_x)
    review_save(application=dossier, actor=officer_x, recommendation="favourable")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def propose(actor):
        try:
            barrier.wait()
            proposal_create(application=dossier, actor=actor)
            outcomes.append("proposed")
        except InstructionError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=propose, args=(who,)) for who in (officer_x, colleague)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["proposed", "state"]
    assert Proposal.objects.filter(application=dossier).count() == 1
    dossier.refresh_from_db()
    assert dossier.state == ApplicationState.PROPOSED
