"""Dossiers proposed to the Commission permanente, made through the real services of the
applications and instruction rooms (submit, start review, review, propose), and the
Region's people with their roles."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.utils import timezone

from plania.accounts.roles import Role
from plania.applications.services import application_submit
from plania.instruction.services import (
    application_start_review,
    proposal_create,
    review_save,
    scheme_assignment_create,
)
from tests.applications.factories import CallFactory, applicant, draft
from tests.factories import UserFactory, allocate

SCORES = {"breakthrough": 4, "lab_collaboration": 4, "team": 3, "market": 3, "regional_impact": 4}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now

    def advance(self, **delta: float) -> None:
        self.now = self.now + timedelta(**delta)


def with_role(role: str, **fields: Any) -> Any:
    user = UserFactory(email_verified_at=timezone.now(), **fields)
    group, _ = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    return user


@dataclass
class People:
    officer: Any
    committee: Any
    finance: Any


def people() -> People:
    officer = with_role(Role.OFFICER, is_staff=True, email="instructeur@region.example")
    scheme_assignment_create(officer=officer, scheme_code="startup-industrie-demain", actor=None)
    return People(
        officer=officer,
        committee=with_role(Role.COMMITTEE, email="elu@region.example"),
        finance=with_role(Role.FINANCE, email="finances@region.example"),
    )


def funded_call(amount: Decimal | int | str = "2000000.00", **fields: Any) -> Any:
    call = CallFactory(**fields)
    allocate(call.envelope, amount)
    return call


def submitted(call: Any, **user_fields: Any) -> tuple[Any, Any]:
    """(applicant, dossier) submitted on `call` (the clock must be in its period)."""
    user = applicant(**user_fields)
    app = draft(call, user)
    app = application_submit(application=app, actor=user).application
    return user, app


def propose(application: Any, officer: Any, *, amount: Any = None) -> Any:
    application_start_review(application=application, actor=officer)
    review_save(
        application=application,
        actor=officer,
        summary="Projet solide, laboratoire impliqué.",
        recommendation="favourable",
        proposed_amount=amount,
        scores=SCORES,
    )
    return proposal_create(application=application, actor=officer)


def proposed(call: Any, officer: Any, *, amount: Any = None, **user_fields: Any) -> tuple[Any, Any]:
    """(applicant, proposal): a dossier submitted, instructed and proposed."""
    user, app = submitted(call, **user_fields)
    return user, propose(app, officer, amount=amount)
