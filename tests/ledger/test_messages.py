"""A refused movement says which envelope, how much was asked and how much is left,
in the user's language."""

from datetime import date

import pytest
from django.utils import translation

from plania.ledger.services import LedgerError, ledger_allocate, ledger_commit
from plania.plans.models import Envelope
from tests.factories import EnvelopeFactory


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "fr",
            "engagement de 1\u202f500,00\u00a0€ refusé, "
            "seuls 1\u202f000,00\u00a0€ sont disponibles.",
        ),
        ("en", "commitment of €1,500.00 refused, only €1,000.00 is available."),
    ],
)
def test_refusal_message_in_the_users_language(language, expected):
    envelope: Envelope = EnvelopeFactory(code="env-msg")
    ledger_allocate(
        envelope=envelope,
        amount="1000.00",
        budget_year=2025,
        on=date(2025, 1, 1),
        reference="AP",
        reason="test",
        actor_label="test",
    )
    with translation.override(language), pytest.raises(LedgerError) as err:
        ledger_commit(
            envelope=envelope,
            amount="1500.00",
            budget_year=2025,
            on=date(2025, 1, 2),
            reference="CP",
            reason="test",
            actor_label="test",
        )
    assert expected in str(err.value)
    assert "(env-msg)" in str(err.value)
