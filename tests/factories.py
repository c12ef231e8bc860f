"""factory_boy factories shared by the whole test suite.

Variants are Traits (`EnvelopeFactory(sub=True)`, `UserFactory(staff=True)`), not
subclasses, so that a test says what it needs in one call. Money goes into the ledger only
through its services: `envelope_with_allocation` creates an envelope and allocates to it
with `ledger_allocate`, never by writing LedgerEntry rows by hand.
"""

from datetime import date
from decimal import Decimal
from typing import Any

import factory
from factory.django import DjangoModelFactory

from plania.accounts.models import User
from plania.ledger.services import ledger_allocate
from plania.plans.enums import PlanKind
from plania.plans.models import Axis, Envelope, Plan, Source

TEST_YEAR = 2025
TEST_DAY = date(2025, 3, 14)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Agent{n}")
    password = factory.django.Password("correct horse battery staple")

    class Params:
        staff = factory.Trait(is_staff=True)
        superuser = factory.Trait(is_staff=True, is_superuser=True)


class SourceFactory(DjangoModelFactory):
    class Meta:
        model = Source

    # A source may belong to a plan; the plan itself needs a source first (budget_source),
    # so sources are created plan-less by default.
    plan = None
    key = factory.Sequence(lambda n: f"source-{n}")
    title = factory.Sequence(lambda n: f"Délibération n° {n}")
    url = factory.LazyAttribute(lambda o: f"https://example.org/sources/{o.key}")
    published_on = date(2024, 7, 12)


class PlanFactory(DjangoModelFactory):
    class Meta:
        model = Plan

    code = factory.Sequence(lambda n: f"plan-{n}")
    kind = PlanKind.PLAN
    name_fr = factory.Sequence(lambda n: f"Plan IA n° {n}")
    name_en = factory.Sequence(lambda n: f"AI plan no. {n}")
    region = "Occitanie"
    start_date = date(2024, 7, 12)
    end_date = date(2029, 1, 1)
    adopted_on = date(2024, 7, 12)
    budget = Decimal("60000000.00")
    budget_source = factory.SubFactory(SourceFactory)

    class Params:
        # A scheme adopted beside a plan with its own envelope (outside the plan's total).
        programme = factory.Trait(
            kind=PlanKind.PROGRAMME,
            budget=Decimal("2000000.00"),
            start_date=date(2025, 1, 1),
            end_date=date(2026, 1, 1),
            related_plan=factory.SubFactory("tests.factories.PlanFactory"),
        )


class AxisFactory(DjangoModelFactory):
    class Meta:
        model = Axis

    plan = factory.SubFactory(PlanFactory)
    number = factory.Sequence(lambda n: n + 1)
    code = factory.Sequence(lambda n: f"axis-{n}")
    name_fr = factory.Sequence(lambda n: f"Axe {n}")
    name_en = factory.Sequence(lambda n: f"Axis {n}")
    budget = Decimal("12000000.00")
    budget_source = factory.SubFactory(SourceFactory)


class EnvelopeFactory(DjangoModelFactory):
    """A root envelope of a new axis; `sub=True` makes it a line inside a new root.

    Passing `parent=` without the trait also works: axis and plan follow the parent.
    A sub-envelope has no cap by default (it draws on its parent); give it `cap=` and an
    allocation to make it a budget line of its own.
    """

    class Meta:
        model = Envelope

    parent = None
    axis = factory.Maybe(
        "parent",
        yes_declaration=factory.SelfAttribute("parent.axis"),
        no_declaration=factory.SubFactory(AxisFactory),
    )
    plan = factory.Maybe(
        "parent",
        yes_declaration=factory.SelfAttribute("parent.plan"),
        no_declaration=factory.SelfAttribute("axis.plan"),
    )
    code = factory.Sequence(lambda n: f"envelope-{n}")
    name_fr = factory.Sequence(lambda n: f"Enveloppe {n}")
    name_en = factory.Sequence(lambda n: f"Envelope {n}")
    cap = factory.Maybe("parent", yes_declaration=None, no_declaration=Decimal("1000000.00"))
    budget_year = None

    class Params:
        sub = factory.Trait(parent=factory.SubFactory("tests.factories.EnvelopeFactory"))
        # An annual envelope: commitments must be charged to that budget year.
        annual = factory.Trait(budget_year=TEST_YEAR)
        with_floor = factory.Trait(floor=Decimal("100000.00"))


def allocate(
    envelope: Envelope,
    amount: Decimal | int | str,
    *,
    budget_year: int | None = None,
    reference: str = "DELIB-TEST",
) -> None:
    """Allocate `amount` to `envelope` through the ledger service (the only way in)."""
    ledger_allocate(
        envelope=envelope,
        amount=amount,
        budget_year=budget_year or envelope.budget_year or TEST_YEAR,
        on=TEST_DAY,
        reference=reference,
        reason="Affectation de test",
        actor_label="tests.factories",
    )


def envelope_with_allocation(
    amount: Decimal | int | str = Decimal("1000000.00"), **envelope_fields: Any
) -> Envelope:
    """Create an envelope (EnvelopeFactory fields and traits) and allocate `amount` to it."""
    envelope = EnvelopeFactory(**envelope_fields)
    allocate(envelope, amount)
    return envelope
