"""The staff side of the security world (issue 13): one filed dossier taken through the
real services to an award in payment, and a person on each side of each grant.

- `officer` is assigned to the dossier's scheme, `unassigned` is an officer with none;
- `expert` is invited on the dossier and declared no conflict, `conflicted_expert` declared
  one;
- `committee` sits in the session that decided the dossier's item, `conflicted_member`
  declared a conflict on that item;
- `finance` pays the award (in payment), `steering` sees aggregates and published awards.

`CASES` gives, for each action of the access layer that a route names as its object
rule, (a person it admits, an object, a person it refuses): the route-policy test runs
every rule on them (tests/security/test_route_policies.py).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone

from plania.accounts.models import User
from plania.accounts.roles import Role
from plania.applications.models import Application
from plania.awards.models import Award
from plania.committee.models import AgendaItem, CommitteeSession, DirectProposal, ItemConflict
from plania.instruction.enums import InvitationStatus
from plania.instruction.models import ExpertInvitation
from plania.payments import services as payments_services
from plania.payments.models import PaymentRequest
from tests.awards.dossiers import People, with_role
from tests.awards.flows import pdf_file, signed
from tests.security.world import World


@dataclass
class StaffWorld:
    world: World
    officer: User
    unassigned: User
    expert: User
    conflicted_expert: User
    committee: User
    conflicted_member: User
    finance: User
    steering: User
    beneficiary: User
    dossier: Application
    award: Award
    item: AgendaItem
    session: CommitteeSession
    invitation: ExpertInvitation
    request: PaymentRequest
    direct: DirectProposal | None = None


def build_staff_world(world: World) -> StaffWorld:
    """Needs the clock in the call's period (tests.awards.conftest's `clock`)."""
    people = People(
        officer=world.users[Role.OFFICER.value],
        committee=world.users[Role.COMMITTEE.value],
        finance=world.users[Role.FINANCE.value],
    )
    from plania.instruction.models import SchemeAssignment

    # The factory's references would meet the submission's numbering (SID-2025-00001).
    for side in (world.a, world.b):
        Application.objects.filter(pk=side.dossier.pk).update(
            reference=f"SEC-{side.company.name[-1]}"
        )
        side.dossier.refresh_from_db()

    SchemeAssignment.objects.get_or_create(
        officer=people.officer, scheme_code="startup-industrie-demain"
    )
    beneficiary, award = signed(people)
    request = payments_services.payment_request_create(
        award=award, actor=beneficiary, amount="1000.00", line=None, files=[pdf_file("f.pdf")]
    )
    payments_services.payment_request_certify(request=request, actor=people.officer)
    payments_services.payment_order(
        request=request, actor=people.finance, ordered_on=date(2025, 7, 1)
    )
    award.refresh_from_db()
    dossier = Application.objects.get(pk=award.application_id)
    expert = world.users[Role.EXPERT.value]
    conflicted_expert = with_role(Role.EXPERT, is_staff=True, email="expert2@region.example")
    invitation = ExpertInvitation.objects.create(
        application=dossier,
        expert=expert,
        invited_by=people.officer,
        invited_at=timezone.now(),
        status=InvitationStatus.ACCEPTED,
    )
    ExpertInvitation.objects.create(
        application=dossier,
        expert=conflicted_expert,
        invited_by=people.officer,
        invited_at=timezone.now(),
        status=InvitationStatus.CONFLICTED,
    )
    item = AgendaItem.objects.select_related("session").get(pk=award.item_id)
    conflicted_member = with_role(Role.COMMITTEE, is_staff=True, email="elu2@region.example")
    ItemConflict.objects.create(item=item, member=conflicted_member, reason="Associé")
    return StaffWorld(
        world=world,
        officer=people.officer,
        unassigned=with_role(Role.OFFICER, is_staff=True, email="sans-dispositif@region.example"),
        expert=expert,
        conflicted_expert=conflicted_expert,
        committee=people.committee,
        conflicted_member=conflicted_member,
        finance=people.finance,
        steering=world.users[Role.STEERING.value],
        beneficiary=beneficiary,
        dossier=dossier,
        award=award,
        item=item,
        session=item.session,
        invitation=invitation,
        request=PaymentRequest.objects.get(pk=request.pk),
    )


Case = Callable[[StaffWorld], tuple[Any, Any, Any]]

# action -> (admitted, object, refused)
CASES: dict[str, Case] = {
    "account.own": lambda s: (s.world.a.owner, s.world.a.token, s.world.b.owner),
    "company.member": lambda s: (s.world.a.owner, s.world.a.company, s.world.b.owner),
    "company.requester": lambda s: (s.world.a.owner, s.world.a.company, s.world.b.owner),
    "company.invitation": lambda s: (
        s.world.a.owner,
        s.world.invitation_for_a,
        s.world.b.owner,
    ),
    "dossier.applicant": lambda s: (s.world.a.owner, s.world.a.dossier, s.world.b.owner),
    "dossier.view": lambda s: (s.officer, s.dossier, s.steering),
    "dossier.instruct": lambda s: (s.officer, s.dossier, s.unassigned),
    "dossier.notes": lambda s: (s.expert, s.dossier, s.conflicted_expert),
    "instruction.scheme": lambda s: (s.officer, s.dossier.scheme_code, s.unassigned),
    "instruction.invitation": lambda s: (s.expert, s.invitation, s.conflicted_expert),
    "committee.session": lambda s: (s.committee, s.session, s.steering),
    "committee.decide": lambda s: (s.committee, s.item, s.conflicted_member),
    "committee.direct": lambda s: (s.officer, None, s.finance),
    "payments.request": lambda s: (s.finance, s.request, s.unassigned),
    "award.view": lambda s: (s.steering, s.award, s.world.b.owner),
    "award.finance": lambda s: (s.finance, s.award, s.officer),
    "award.explanation": lambda s: (s.beneficiary, s.dossier, s.world.b.owner),
    "steering.figures": lambda s: (s.steering, None, s.finance),
}
