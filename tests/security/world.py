"""A small world for the security tests: two companies (A and B), each with a verified
owner, a dossier, a document and an API token; an unverified applicant of A; one person
per staff role; and the objects the public routes take (plan, scheme, call, signed links).

`ROLES` are the rows of the route matrix; `World.client_for(role)` is a test client
signed in as that role (staff past the second factor, as they would be on staff pages).
"""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from plania.accounts.models import ApiToken, User
from plania.accounts.roles import Role
from plania.accounts.services import api_token_create
from plania.accounts.tokens import email_verification_token_make
from plania.applications.models import Application
from plania.companies.models import Company, Invitation, Mandate, Membership
from plania.companies.services import invitation_create, mandate_submit
from plania.documents.models import Attachment
from plania.documents.services import attachment_add
from plania.plans.models import Plan
from tests.companies.factories import CompanyFactory, MembershipFactory
from tests.documents.dossiers import ApplicationFactory
from tests.documents.files import PDF_BYTES, upload
from tests.factories import PlanFactory, UserFactory
from tests.security.otp import otp_force_login

ANONYMOUS = "anonymous"
APPLICANT = "applicant"
UNVERIFIED = "applicant-unverified"
STAFF = [Role.OFFICER, Role.EXPERT, Role.COMMITTEE, Role.FINANCE, Role.STEERING, Role.ADMIN]
ROLES = [ANONYMOUS, UNVERIFIED, *(r.value for r in STAFF), APPLICANT]


@dataclass
class Side:
    """One company and what its owner has."""

    company: Company
    owner: User
    dossier: Application
    document: Attachment
    token: ApiToken
    pending: Membership  # someone asking to join the company


@dataclass
class World:
    a: Side
    b: Side
    users: dict[str, User]
    plan: Plan
    verify_token: str
    reset_uidb64: str
    reset_token: str
    # Company representatives: an invitation to A's owner (from B) and one to B's owner
    # (from A); a mandate someone filed for A, waiting for an officer.
    invitation_for_a: Invitation | None = None
    invitation_for_b: Invitation | None = None
    mandate: Mandate | None = None
    clients: dict[str, Client] = field(default_factory=dict)

    def client_for(self, role: str) -> Client:
        if role not in self.clients:
            client = Client()
            if role != ANONYMOUS:
                user = self.users[role]
                if role in {r.value for r in STAFF}:
                    otp_force_login(client, user)
                else:
                    client.force_login(user)
            self.clients[role] = client
        return self.clients[role]


def verified(**fields: Any) -> User:
    return UserFactory(email_verified_at=timezone.now(), **fields)


def _side(letter: str) -> Side:
    company = CompanyFactory(name=f"Entreprise {letter}")
    owner = verified(email=f"owner-{letter.lower()}@example.org")
    MembershipFactory(user=owner, company=company)
    pending = MembershipFactory(company=company, pending=True)
    dossier = ApplicationFactory(company=company, created_by=owner)
    document = attachment_add(
        application=dossier,
        actor=owner,
        uploaded_file=upload(f"plan-{letter}.pdf", PDF_BYTES),
        kind="business_plan",
    )
    token, _ = api_token_create(user=owner, name=f"script {letter}")
    return Side(company, owner, dossier, document, token, pending)


def build_world() -> World:
    a, b = _side("A"), _side("B")
    Group.objects.get_or_create(name=Role.APPLICANT)[0].user_set.add(a.owner, b.owner)
    unverified = UserFactory(email="unverified@example.org", email_verified_at=None)
    MembershipFactory(user=unverified, company=a.company, member=True)
    users: dict[str, User] = {APPLICANT: a.owner, UNVERIFIED: unverified}
    for role in STAFF:
        admin = role == Role.ADMIN
        user = verified(email=f"{role.value}@region.example", is_staff=True, is_superuser=admin)
        Group.objects.get_or_create(name=role.value)[0].user_set.add(user)
        users[role.value] = user
    # Signed links of people outside the matrix (following them changes nothing else).
    linked = UserFactory(email="linked@example.org", email_verified_at=None)
    claimant = a.pending.user
    mandate = mandate_submit(
        company=a.company,
        actor=claimant,
        fileobj=upload("pouvoir.pdf", PDF_BYTES),
        original_name="pouvoir.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
        sha256="0" * 64,
    )
    return World(
        invitation_for_a=invitation_create(company=b.company, email=a.owner.email, actor=b.owner),
        invitation_for_b=invitation_create(company=a.company, email=b.owner.email, actor=a.owner),
        mandate=mandate,
        a=a,
        b=b,
        users=users,
        plan=PlanFactory(),
        verify_token=email_verification_token_make(user_id=linked.pk, email=linked.email),
        reset_uidb64=urlsafe_base64_encode(force_bytes(linked.pk)),
        reset_token=default_token_generator.make_token(linked),
    )
