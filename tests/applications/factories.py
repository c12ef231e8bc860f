"""Factories and ready-made dossiers of the applications room.

Dossiers are made through the services (`application_create`, `application_save_draft`),
as an applicant would, so that references, versions and history rows are the real ones.
`VALID_ANSWERS` and `VALID_COST_LINES` fill every required field of the startup scheme's
form (plania/data/schemes/startup-industrie-demain-2025.yaml).
"""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from plania.applications.models import Application, Call
from plania.applications.services import application_create, application_save_draft
from tests.companies.factories import CompanyFactory, MembershipFactory
from tests.factories import EnvelopeFactory, UserFactory

PARIS = ZoneInfo("Europe/Paris")
# The startup scheme's 2025 call of the tests: open from 1 Feb 2025 09:00 to 31 Mar 2025
# 12:00 (Paris), closing excluded.
OPENS = datetime(2025, 2, 1, 9, 0, tzinfo=PARIS)
CLOSES = datetime(2025, 3, 31, 12, 0, tzinfo=PARIS)
DURING = datetime(2025, 3, 14, 10, 30, tzinfo=PARIS)

VALID_ANSWERS: dict[str, Any] = {
    "project_title": "Vision IA pour l'inspection de pièces aéronautiques",
    "summary": "Un modèle de vision qui détecte les défauts des pièces composites.",
    "deep_tech": "oui",
    "trl": "4",
    "start_date": "2025-06-01",
    "duration_months": "24",
    "headcount": "12",
    "turnover_eur": "850 000",
    "balance_sheet_eur": "1 200 000,00",
    "jei_status": "yes",
    "lab_collaboration": "oui",
    "lab": "laas-cnrs",
    "lab_other": "",
    "collaboration": "Thèse CIFRE avec le LAAS-CNRS depuis 2023.",
    "requested_eur": "150 000",
}
VALID_COST_LINES: list[dict[str, Any]] = [
    {"label": "Ingénieurs IA", "category": "personnel", "amount": "120 000", "eligible": "oui"},
    {
        "label": "Prestation LAAS",
        "category": "lab_collaboration",
        "amount": "60000,50",
        "eligible": "oui",
    },
    {"label": "Réception", "category": "other", "amount": "2 500", "eligible": ""},
]
VALID_AIDS: list[dict[str, Any]] = [
    {
        "granting_body": "Bpifrance",
        "granted_on": "15/06/2023",
        "amount": "30 000",
        "regulation": "de_minimis_1407_2013",
    },
]


class CallFactory(DjangoModelFactory):
    class Meta:
        model = Call

    reference = factory.Sequence(lambda n: f"startup-2025-{n}")
    scheme_code = "startup-industrie-demain"
    scheme_version = "2025"
    envelope = factory.SubFactory(EnvelopeFactory, cap=2_000_000)
    title_fr = factory.Sequence(lambda n: f"Start-Up, industrie de demain — appel 2025 n° {n}")
    title_en = factory.Sequence(lambda n: f"Start-Up, industry of tomorrow — 2025 call no. {n}")
    opens_at = OPENS
    closes_at = CLOSES

    class Params:
        rd = factory.Trait(scheme_code="ia-rd-projets", title_fr="Projets R&D IA 2025")


def applicant(**user_fields: Any) -> Any:
    """A verified user owning a company in Toulouse (31), created in 2021."""
    user = UserFactory(email_verified_at=timezone.now(), **user_fields)
    MembershipFactory(user=user, company=CompanyFactory())
    return user


def company_of(user: Any) -> Any:
    return user.memberships.get().company


def draft(call: Call, user: Any, *, filled: bool = True) -> Application:
    """A draft of `user`'s company on `call`, complete (`filled`) or empty."""
    app = application_create(call=call, company=company_of(user), actor=user).application
    if filled:
        app = application_save_draft(
            application=app,
            actor=user,
            answers=VALID_ANSWERS,
            cost_lines=VALID_COST_LINES,
            declared_aids=VALID_AIDS,
        )
    return app
