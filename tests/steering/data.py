"""A known dataset for the steering tests: the two shipped plan files, awards decided on
known dates under known schemes, AI and non-AI companies created on known dates, and
money moved through the ledger's services.

Awards are written as direct awards carrying a scheme code, with their commitment made
by `ledger_commit`: the metrics read only the award's scheme, decision date and company,
and the committee workflow that normally produces them is tested in tests/awards."""

import itertools
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Group

from plania.accounts.roles import Role
from plania.awards.enums import LegalBasis
from plania.awards.models import Award
from plania.committee.enums import Outcome, SessionState
from plania.committee.models import AgendaItem, CommitteeSession, DirectProposal
from plania.ledger.plan_load import plan_load
from plania.ledger.services import ledger_commit, ledger_pay, ledger_repay
from plania.plans.models import Envelope, Plan
from tests.companies.factories import CompanyFactory
from tests.factories import UserFactory

PLANS = Path(__file__).resolve().parents[2] / "plania" / "data" / "plans"
AS_OF = date(2026, 7, 2)
_n = itertools.count(1)


def load_plans() -> Plan:
    plan = plan_load(path=PLANS / "occitanie-ia-2024-2028.yaml").plan
    plan_load(path=PLANS / "startup-industrie-demain.yaml")
    return plan


def steering_user(**fields: Any) -> Any:
    user = UserFactory(is_staff=True, **fields)
    group, _ = Group.objects.get_or_create(name=Role.STEERING)
    user.groups.add(group)
    return user


def award(
    *,
    envelope: str,
    scheme: str,
    on: date,
    company: Any = None,
    amount: Decimal | str = "10000.00",
) -> Award:
    n = next(_n)
    amount = Decimal(amount)
    env = Envelope.objects.get(code=envelope)
    officer = UserFactory()
    session, _ = CommitteeSession.objects.get_or_create(
        deliberation_prefix=f"CP/{on.isoformat()}",
        defaults={"held_on": on, "title": "CP", "created_by": officer, "state": SessionState.HELD},
    )
    direct = DirectProposal.objects.create(
        envelope=env,
        beneficiary_name=f"Bénéficiaire {n}",
        beneficiary_siret="35600000000048",
        purpose="Projet",
        amount=amount,
        legal_basis=LegalBasis.DE_MINIMIS,
        officer=officer,
    )
    item = AgendaItem.objects.create(
        session=session,
        position=n,
        direct=direct,
        envelope=env,
        beneficiary_name=direct.beneficiary_name,
        proposed_total=amount,
        proposed_grant=amount,
        proposed_advance=0,
        legal_basis=LegalBasis.DE_MINIMIS,
        outcome=Outcome.APPROVED,
        approved_grant=amount,
        approved_advance=0,
        deliberation_reference=f"{session.deliberation_prefix}/{n}",
        decided_on=on,
    )
    commitment = ledger_commit(
        envelope=env,
        amount=amount,
        budget_year=on.year,
        on=on,
        reference=item.deliberation_reference,
        reason="Aide de test",
        actor_label="tests",
    )
    return Award.objects.create(
        reference=f"AW-{n}",
        item=item,
        direct=direct,
        company=company,
        beneficiary_name=direct.beneficiary_name,
        purpose="Projet",
        scheme_code=scheme,
        envelope=env,
        budget_year=on.year,
        commitment=commitment,
        total=amount,
        grant=amount,
        advance=0,
        advance_gge=0,
        total_gge=amount,
        legal_basis=LegalBasis.DE_MINIMIS,
        de_minimis_amount=0,
        on_signature_share=Decimal("0.5"),
        deliberation_reference=item.deliberation_reference,
        decided_on=on,
    )


def pay(a: Award, amount: str, on: date) -> None:
    ledger_pay(
        commitment=a.commitment, amount=amount, budget_year=on.year, on=on,
        reference=f"MANDAT-{a.reference}", reason="Mandat", actor_label="tests",
    )  # fmt: skip


def repay(a: Award, amount: str, on: date) -> None:
    ledger_repay(
        commitment=a.commitment, amount=amount, budget_year=on.year, on=on,
        reference=f"REMB-{a.reference}", reason="Remboursement", actor_label="tests",
    )  # fmt: skip


def dataset() -> dict[str, Any]:
    """Innovation projects: 10 awards in 2024, 12 in 2025, 5 in 2026 (27 to date).
    AI creations: 18 in 2024, 20 in 2025, 6 in 2026 (plus 3 in 2023 outside the period and
    5 non-AI companies in 2025, not counted). JEI funded: 3 distinct companies in 2025
    (4 awards, one company twice)."""
    plan = load_plans()
    awards = []
    for year, count in ((2024, 10), (2025, 12), (2026, 5)):
        for i in range(count):
            awards.append(
                award(envelope="ia-axe-1-rd", scheme="ia-rd-projets", on=date(year, 3, 1 + i))
            )
    for year, count in ((2023, 3), (2024, 18), (2025, 20), (2026, 6)):
        for i in range(count):
            CompanyFactory(
                naf_code="62.01Z" if i % 2 else "72.19Z", creation_date=date(year, 2, 1 + i)
            )
    for i in range(5):
        CompanyFactory(naf_code="47.11F", creation_date=date(2025, 5, 1 + i))
    jei = [CompanyFactory(naf_code="72.19Z", creation_date=date(2020, 1, 1)) for _ in range(3)]
    for i, company in enumerate([*jei, jei[0]]):
        awards.append(
            award(
                envelope="startup-industrie-demain-2025",
                scheme="startup-industrie-demain",
                on=date(2025, 6, 1 + i),
                company=company,
                amount="200000.00",
            )
        )
    pay(awards[0], "4000.00", date(2024, 9, 1))
    pay(awards[-1], "100000.00", date(2025, 9, 1))
    repay(awards[-1], "2500.00", date(2026, 3, 1))
    return {"plan": plan, "awards": awards}
