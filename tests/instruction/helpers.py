"""People, calls and filed dossiers for the instruction tests.

`filed(...)` builds a dossier as the applications room freezes it at submission: the
eligibility JSON comes from the rules core (`evaluate` + `eligibility_json`) on the
inputs given, so the award the officer sees is the rules core's, on real frozen data.
The rules date is kept apart from `submitted_at` (the startup scheme's 2025 version is
only valid in 2025, while the queue's "days waiting" counts from submitted_at).
"""

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth.models import Group
from django.utils import timezone
from factory.django import DjangoModelFactory

from plania.accounts.roles import Role
from plania.applications.eligibility import eligibility_json, evaluate
from plania.applications.enums import ApplicationState
from plania.applications.models import Application, ApplicationEvent, Call
from plania.instruction.models import SchemeAssignment
from plania.schemes.selectors import scheme_version
from tests.companies.factories import CompanyFactory, MembershipFactory
from tests.factories import EnvelopeFactory, UserFactory

STARTUP = "startup-industrie-demain"
IA = "ia-rd-projets"
VERSION = "2025"
RULES_AT = date(2025, 6, 2)
FILED_AT = datetime(2025, 6, 2, 8, 30, tzinfo=UTC)
_refs = itertools.count(1)

# A company aged 4 on RULES_AT (CompanyFactory: created 2021-03-15, Toulouse), small:
# eligible to the startup scheme, GBER art. 22 basis. Award: 200,000 (the cap), of which
# 50,000 grant and 150,000 repayable advance (plania/data/schemes, tests/rules/test_award).
STARTUP_INPUTS: dict[str, Any] = {
    "headcount": 12,
    "turnover_eur": "800000",
    "balance_sheet_eur": "1500000",
    "deep_tech": True,
    "lab_collaboration": True,
    "eligible_cost_eur": "300000.00",
    "requested_eur": "250000.00",
    "prior_de_minimis_eur": "0.00",
}


def give_role(user: Any, role: str) -> Any:
    group, _created = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    return user


def person(**fields: Any) -> Any:
    return UserFactory(**{"email_verified_at": timezone.now(), **fields})


def officer(*schemes: str, **fields: Any) -> Any:
    user = give_role(person(**fields), Role.OFFICER)
    for code in schemes:
        SchemeAssignment.objects.create(officer=user, scheme_code=code)
    return user


def expert(**fields: Any) -> Any:
    return give_role(person(**fields), Role.EXPERT)


def committee_member(**fields: Any) -> Any:
    return give_role(person(**fields), Role.COMMITTEE)


def applicant_of(application: Application, **fields: Any) -> Any:
    user = person(**fields)
    MembershipFactory(user=user, company=application.company)
    return user


class CallFactory(DjangoModelFactory):
    class Meta:
        model = Call

    reference = factory.Sequence(lambda n: f"appel-instruction-{n}")
    scheme_code = STARTUP
    scheme_version = VERSION
    envelope = factory.SubFactory(EnvelopeFactory)
    title_fr = factory.Sequence(lambda n: f"Appel à instruire {n}")
    title_en = factory.Sequence(lambda n: f"Call to instruct {n}")
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=400))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))


def frozen_eligibility(scheme_code: str, company: Any, inputs: dict[str, Any], at: date) -> dict:
    scheme = scheme_version(scheme_code, VERSION)
    assert scheme is not None
    full = {
        "creation_date": company.creation_date,
        "department": company.departement,
        "application_date": at,
        **inputs,
    }
    return eligibility_json(evaluate(scheme, full, at))


def snapshot(
    scheme_code: str, company: Any, inputs: dict[str, Any], at: date, reference: str
) -> dict[str, Any]:
    """What the applications room freezes in `submitted_data` (its `_snapshot`)."""
    scheme = scheme_version(scheme_code, VERSION)
    assert scheme is not None and scheme.form is not None
    answers: dict[str, Any] = {"project_title": f"Projet {reference}", "summary": "Un projet."}
    for name, value in inputs.items():
        field = scheme.form.field_for_input(name)
        if field is not None:
            answers[field.id] = value
    cost = inputs.get("eligible_cost_eur") or "0"
    prior = Decimal(str(inputs.get("prior_de_minimis_eur") or 0))
    return {
        "company": {
            "siren": company.siren,
            "name": company.name,
            "creation_date": company.creation_date.isoformat() if company.creation_date else None,
            "departement": company.departement,
            "verified": company.verified,
        },
        "answers": answers,
        "cost_lines": [
            {"label": "Ingénieurs", "category": "personnel", "amount": str(cost), "eligible": True}
        ],
        "eligible_cost": str(cost),
        "declared_aids": (
            [
                {
                    "granting_body": "Bpifrance",
                    "granted_on": (at - timedelta(days=365)).isoformat(),
                    "amount": str(prior),
                    "regulation": "de_minimis_2023_2831",
                }
            ]
            if prior
            else []
        ),
        "requested_amount": str(inputs.get("requested_eur") or ""),
    }


def filed(
    *,
    call: Call | None = None,
    company: Any = None,
    state: str = ApplicationState.SUBMITTED,
    inputs: dict[str, Any] | None = None,
    submitted_at: datetime = FILED_AT,
    rules_at: date = RULES_AT,
    **fields: Any,
) -> Application:
    call = call or CallFactory()
    company = company or CompanyFactory()
    given = {**STARTUP_INPUTS, **(inputs or {})}
    reference = f"INS-{next(_refs):05d}"
    requested = given.get("requested_eur")
    app = Application.objects.create(
        reference=reference,
        call=call,
        company=company,
        created_by=UserFactory(),
        state=state,
        requested_amount=Decimal(str(requested)) if requested not in (None, "") else None,
        submitted_at=submitted_at,
        receipt_number=f"AR-{reference}",
        rules_sha256="0" * 64,
        scheme_code=call.scheme_code,
        scheme_version=call.scheme_version,
        eligibility=frozen_eligibility(call.scheme_code, company, given, rules_at),
        submitted_data=snapshot(call.scheme_code, company, given, rules_at, reference),
        **fields,
    )
    ApplicationEvent.objects.create(
        application=app,
        transition="submit",
        from_state=ApplicationState.DRAFT,
        to_state=ApplicationState.SUBMITTED,
        actor=app.created_by,
        at=submitted_at,
    )
    if state != ApplicationState.SUBMITTED:
        ApplicationEvent.objects.create(
            application=app,
            transition="start_review" if state == ApplicationState.UNDER_REVIEW else "test",
            from_state=ApplicationState.SUBMITTED,
            to_state=state,
            actor=None,
            at=submitted_at + timedelta(hours=1),
        )
    return app


def login(client: Any, user: Any) -> Any:
    """Sign in past the password and the second factor (staff roles need it:
    plania.security)."""
    from tests.security.otp import otp_force_login

    otp_force_login(client, user)
    return user


def api(client: Any, method: str, url: str, user: Any = None, **kwargs: Any) -> Any:
    """Call the API as `user` (session auth; the test client skips CSRF)."""
    if user is not None:
        login(client, user)
    if "json" in kwargs:
        kwargs["data"] = kwargs.pop("json")
        kwargs["content_type"] = "application/json"
    return getattr(client, method)(url, **kwargs)
