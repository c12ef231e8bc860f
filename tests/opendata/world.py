"""Awards made through the awards room's services for the open-data tests: one with a
repayable advance above the threshold, one small award (not published), and a
beneficiary crossing the threshold with two small awards in 12 months (published).

The sessions are held on the clock's day (tests.applications.factories.DURING) and
closed: only decisions of a held session are public (issue 13 item 6)."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from plania.agreements import services as agreements_services
from plania.committee import services as committee_services
from plania.companies.sirene import head_office_siret, sample_siren
from tests.awards.dossiers import funded_call
from tests.awards.flows import signed

SMALL_SIRET = head_office_siret(sample_siren(1, seed=4242))
CUMUL_SIRET = head_office_siret(sample_siren(2, seed=4242))
HELD = date(2025, 3, 14)  # the day of DURING: the sessions have met


@dataclass
class World:
    with_advance: Any
    small: Any
    cumulated: list[Any]
    applicant: Any


def direct(staff: Any, session: Any, envelope: Any, name: str, siret: str, amount: str) -> Any:
    proposal = committee_services.direct_propose(
        envelope=envelope,
        beneficiary_name=name,
        beneficiary_siret=siret,
        purpose=f"Organisation d'un événement IA ({name})",
        amount=amount,
        legal_basis="de_minimis",
        justification="Test.",
        actor=staff.officer,
    )
    item = committee_services.session_add_direct(
        session=session, direct=proposal, actor=staff.committee
    )
    award = committee_services.decision_approve(item=item, actor=staff.committee)
    agreements_services.agreement_waive(award=award, actor=staff.officer)
    award.refresh_from_db()
    return award


def session(staff: Any, prefix: str, *, held_on: date = HELD) -> Any:
    return committee_services.session_create(
        held_on=held_on, title="CP directe", deliberation_prefix=prefix, actor=staff.committee
    )


def close(staff: Any, *awards: Any) -> None:
    """Close the sessions of `awards` (the committee has met: the decisions are public)."""
    for s in {a.item.session for a in awards}:
        committee_services.session_close(session=s, actor=staff.committee)


def world(staff: Any) -> World:
    call = funded_call()
    user, with_advance = signed(staff, call=call, prefix="CP/2025-03", held_on=HELD)
    cp = session(staff, "CP/2025-03-D")
    small = direct(staff, cp, call.envelope, "Petit Organisme", SMALL_SIRET, "10000")
    cumulated = [
        direct(staff, cp, call.envelope, "Organisme Cumul", CUMUL_SIRET, "15000"),
        direct(staff, cp, call.envelope, "Organisme Cumul", CUMUL_SIRET, "12000"),
    ]
    close(staff, with_advance, small)
    return World(with_advance, small, cumulated, user)
