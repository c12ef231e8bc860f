"""Issue 13, "anyone becomes owner of a company that has no owner" (High), and the three
ways a person becomes a verified representative instead (docs/security.md, "Company
representatives").

On main before this fix, a new account that posted the SIREN of a company with dossiers
on /entreprises/identifier/ or /entreprises/saisie/ was told "vous en êtes propriétaire"
when the company had no member (as every demo company), then read its dossiers and awards
and asked for a payment; deleting an owner's account freed the company again. These
tests fail there and pass now.

The ProConnect test runs the real authorization-code flow (PKCE, nonce) through the
Django test client against a small OpenID provider served on 127.0.0.1 by a thread:
authorize -> callback with the code -> token endpoint -> JWKS -> userinfo (a signed JWT,
as ProConnect answers), with an RSA key made in the test.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import Group
from django.core import mail
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from plania.accounts.roles import Role
from plania.applications.models import Application
from plania.applications.selectors import applications_of
from plania.applications.services import ApplicationError, application_create, application_submit
from plania.awards.selectors import awards_visible_to
from plania.awards.services import AwardError
from plania.companies.enums import MandateStatus, MembershipRole, MembershipStatus, VerifiedVia
from plania.companies.models import Company, Mandate, Membership
from plania.companies.selectors import companies_of
from plania.companies.sirene import head_office_siret
from plania.payments import services as payments_services
from tests.applications.factories import CallFactory
from tests.awards.conftest import clock, staff  # noqa: F401 - fixtures
from tests.awards.flows import PDF, signed
from tests.companies.factories import CompanyFactory, MembershipFactory, sirene_company
from tests.documents.dossiers import ApplicationFactory, private_storage_dir  # noqa: F401
from tests.factories import UserFactory
from tests.security.otp import otp_force_login

IDENTIFY = reverse("web:company_identify")
MANUAL = reverse("web:company_manual")
MINE = reverse("web:my_companies")


@pytest.fixture(autouse=True)
def _private(private_storage_dir):  # noqa: F811
    return private_storage_dir


def newcomer(email: str = "newcomer@example.org") -> Any:
    return UserFactory(email=email, email_verified_at=timezone.now())


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def officer() -> Any:
    user = UserFactory(email="officer@region.example", is_staff=True)
    user.email_verified_at = timezone.now()
    user.save()
    user.groups.add(Group.objects.get_or_create(name=Role.OFFICER)[0])
    return user


@dataclass
class Target:
    """A company with a signed award (agreement accepted) and its dossier."""

    company: Company
    owner: Any
    award: Any
    dossier: Application


def target(staff: Any, *, owned: bool) -> Target:  # noqa: F811
    owner, award = signed(staff)
    company = award.company
    if not owned:
        # As the demo data's companies: dossiers and awards, no member at all.
        Membership.objects.filter(company=company).delete()
    sirene_company(siren=company.siren)  # the store knows it: identification finds it
    return Target(company, owner, award, award.application)


def claims_nothing(client: Client, t: Target, attacker: Any) -> None:
    """What a person who only identified the company reaches: nothing of the company's."""
    membership = Membership.objects.get(user=attacker, company=t.company)
    assert (membership.role, membership.status) == (
        MembershipRole.MEMBER,
        MembershipStatus.PENDING,
    )
    assert client.get(reverse("web:company", args=[t.company.siren])).status_code == 404
    assert client.get(reverse("web:application", args=[t.dossier.reference])).status_code == 404
    assert client.get(reverse("web:award", args=[t.award.reference])).status_code == 404
    asked = client.post(
        reverse("web:award_action", args=[t.award.reference, "demander-versement"]),
        {"amount": "1000"},
    )
    assert asked.status_code == 404
    with pytest.raises(AwardError):
        payments_services.payment_request_create(award=t.award, actor=attacker, amount="1000")
    assert not t.award.payment_requests.exists()
    listed = client.get(reverse("web:applications")).content.decode()
    assert t.dossier.reference not in listed
    # The selectors the API and every page read through.
    assert not applications_of(attacker).filter(company=t.company).exists()
    assert not awards_visible_to(attacker).filter(company=t.company).exists()
    assert not companies_of(attacker).exists()


@pytest.mark.parametrize("owned", [False, True], ids=["unowned", "owned"])
def test_identifying_a_company_with_dossiers_gives_nothing(staff, owned):  # noqa: F811
    t = target(staff, owned=owned)
    attacker = newcomer()
    client = signed_in(attacker)
    response = client.post(IDENTIFY, {"identifier": t.company.siren}, follow=True)
    html = response.content.decode()
    assert "propriétaire" not in html
    assert "demande de rattachement en attente" in html
    assert "ProConnect" in html and "pouvoir" in html
    claims_nothing(client, t, attacker)


def test_manual_entry_of_a_known_siren_gives_nothing(staff):  # noqa: F811
    """/entreprises/saisie/ with the SIREN of a company PlanIA has (and SIRENE has not)."""
    t = target(staff, owned=False)
    from plania.companies.models import SireneUnit

    SireneUnit.objects.filter(siren=t.company.siren).delete()
    attacker = newcomer()
    client = signed_in(attacker)
    page = client.get(MANUAL).content.decode()
    assert "demande de rattachement reste en attente" in page
    response = client.post(
        MANUAL,
        {
            "siren": t.company.siren,
            "name": "Moi",
            "creation_date": "2020-01-01",
            "postcode": "31000",
        },
        follow=True,
    )
    assert "demande de rattachement en attente" in response.content.decode()
    claims_nothing(client, t, attacker)


def test_a_pending_person_prepares_own_draft_but_cannot_file_it(staff, clock):  # noqa: F811
    t = target(staff, owned=False)
    attacker = newcomer()
    client = signed_in(attacker)
    client.post(IDENTIFY, {"identifier": t.company.siren})
    call = CallFactory()
    created = application_create(call=call, company=t.company, actor=attacker)
    own = created.application
    assert created.created and own.created_by == attacker
    assert client.get(reverse("web:application", args=[own.reference])).status_code == 200
    # ... the company's other dossiers stay out of reach ...
    assert client.get(reverse("web:application", args=[t.dossier.reference])).status_code == 404
    # ... and filing needs a verified representative.
    with pytest.raises(ApplicationError) as refused:
        application_submit(application=own, actor=attacker)
    assert refused.value.code == "unverified"
    assert "ProConnect" in refused.value.message
    own.refresh_from_db()
    assert own.state == "draft"
    # Another pending person of the same company does not see that draft either.
    other = newcomer("other@example.org")
    MembershipFactory(user=other, company=t.company, pending=True)
    assert signed_in(other).get(reverse("web:application", args=[own.reference])).status_code == 404


def test_deleting_an_owner_s_account_never_frees_the_company(staff):  # noqa: F811
    t = target(staff, owned=True)
    with pytest.raises(ProtectedError):
        t.owner.delete()
    assert Membership.objects.filter(
        user=t.owner, company=t.company, status=MembershipStatus.ACTIVE
    ).exists()
    attacker = newcomer()
    client = signed_in(attacker)
    client.post(IDENTIFY, {"identifier": t.company.siren})
    claims_nothing(client, t, attacker)


def test_an_invitation_from_a_verified_representative_grants_access(
    staff,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    t = target(staff, owned=True)
    owner_client = signed_in(t.owner)
    detail = owner_client.get(reverse("web:company", args=[t.company.siren])).content.decode()
    assert "Inviter une personne" in detail
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(
            reverse("web:company_invite", args=[t.company.siren]),
            {"email": "Colleague@Example.org"},
        )
    assert [m.to for m in mail.outbox[sent:]] == [["Colleague@Example.org"]]
    assert t.company.name in mail.outbox[-1].subject

    # Someone else cannot take it, even knowing its number.
    stranger = newcomer("stranger@example.org")
    invitation = t.company.invitations.get()
    stranger_client = signed_in(stranger)
    assert "Accepter l'invitation" not in stranger_client.get(MINE).content.decode()
    accept = reverse("web:invitation_accept", args=[invitation.pk])
    assert stranger_client.post(accept).status_code == 404
    assert not Membership.objects.filter(user=stranger).exists()

    # A pending person cannot invite.
    MembershipFactory(user=stranger, company=t.company, pending=True)
    assert (
        stranger_client.post(
            reverse("web:company_invite", args=[t.company.siren]), {"email": "x@example.org"}
        ).status_code
        == 404
    )

    colleague = newcomer("colleague@example.org")
    client = signed_in(colleague)
    assert "Accepter l'invitation" in client.get(MINE).content.decode()
    response = client.post(accept)
    assert response.status_code == 302
    membership = Membership.objects.get(user=colleague, company=t.company)
    assert (membership.status, membership.verified_via) == (
        MembershipStatus.ACTIVE,
        VerifiedVia.INVITATION,
    )
    assert client.get(reverse("web:application", args=[t.dossier.reference])).status_code == 200
    assert client.get(reverse("web:award", args=[t.award.reference])).status_code == 200


def test_a_mandate_accepted_by_an_officer_grants_access(
    staff,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    t = target(staff, owned=False)
    person = newcomer()
    client = signed_in(person)
    client.post(IDENTIFY, {"identifier": t.company.siren})
    mandate_page = reverse("web:company_mandate", args=[t.company.siren])
    assert "Déposer un pouvoir" in client.get(MINE).content.decode()
    # Not a PDF: refused with a clear message (the documents room's checks).
    refused = client.post(mandate_page, {"file": _upload("pouvoir.txt", b"je donne pouvoir")})
    assert refused.status_code == 200
    assert "PDF" in refused.content.decode()
    assert not Mandate.objects.exists()
    done = client.post(mandate_page, {"file": _upload("pouvoir.pdf", PDF)})
    assert done.status_code == 302
    mandate = Mandate.objects.get()
    assert (mandate.user, mandate.company, mandate.status) == (
        person,
        t.company,
        MandateStatus.PENDING,
    )
    claims_nothing(client, t, person)  # still nothing until an officer decides

    # The officer finds it from their landing page, reads the file, and accepts it.
    reviewer = officer()
    officer_client = Client()
    otp_force_login(officer_client, reviewer)
    landing = officer_client.get(reverse("web:instruction")).content.decode()
    queue = reverse("web:mandates")
    assert f'href="{queue}"' in landing
    listed = officer_client.get(queue).content.decode()
    assert t.company.siren in listed and person.email in listed
    download = officer_client.get(reverse("web:mandate_file", args=[mandate.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    # An applicant never reaches the officers' pages.
    assert client.get(queue).status_code == 404
    assert (
        client.post(
            reverse("web:mandate_decide", args=[mandate.pk]), {"decision": "accept"}
        ).status_code
        == 404
    )

    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(
            reverse("web:mandate_decide", args=[mandate.pk]), {"decision": "accept"}
        )
    mandate.refresh_from_db()
    assert mandate.status == MandateStatus.ACCEPTED and mandate.decided_by == reviewer
    assert [m.to for m in mail.outbox[sent:]] == [[person.email]]
    assert "accepté" in mail.outbox[-1].subject
    membership = Membership.objects.get(user=person, company=t.company)
    assert (membership.status, membership.verified_via) == (
        MembershipStatus.ACTIVE,
        VerifiedVia.MANDATE,
    )
    assert client.get(reverse("web:application", args=[t.dossier.reference])).status_code == 200
    assert client.get(reverse("web:award", args=[t.award.reference])).status_code == 200


def test_a_refused_mandate_says_why_and_grants_nothing(
    staff,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    t = target(staff, owned=False)
    person = newcomer()
    client = signed_in(person)
    client.post(IDENTIFY, {"identifier": t.company.siren})
    client.post(
        reverse("web:company_mandate", args=[t.company.siren]),
        {"file": _upload("pouvoir.pdf", PDF)},
    )
    mandate = Mandate.objects.get()
    officer_client = Client()
    otp_force_login(officer_client, officer())
    decide = reverse("web:mandate_decide", args=[mandate.pk])
    page = officer_client.post(decide, {"decision": "refuse", "reason": ""}, follow=True)
    assert "motif du refus" in page.content.decode()
    mandate.refresh_from_db()
    assert mandate.status == MandateStatus.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(
            decide, {"decision": "refuse", "reason": "Signature du gérant absente."}
        )
    mandate.refresh_from_db()
    assert mandate.status == MandateStatus.REFUSED
    assert "Signature du gérant absente." in mail.outbox[-1].body
    assert "Signature du gérant absente." in client.get(MINE).content.decode()
    claims_nothing(client, t, person)


def _upload(name: str, data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


# -- ProConnect against a local OpenID provider -------------------------------------------

CLIENT_ID = "plania-test"
CLIENT_SECRET = "s3cret-" + "x" * 20


@dataclass
class Provider:
    """A tiny OpenID provider: one RSA key, codes kept in memory."""

    base: str = ""
    key: Any = None
    kid: str = "test-key"
    claims: dict[str, Any] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def sign(self, payload: dict[str, Any]) -> str:
        now = int(time.time())
        body = {"iss": self.base, "aud": CLIENT_ID, "iat": now, "exp": now + 60, **payload}
        return jwt.encode(body, self.key, algorithm="RS256", headers={"kid": self.kid})

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "alg": "RS256", "use": "sig"}]}


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            url = urlsplit(self.path)
            provider.calls.append(url.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/authorize":
                code = secrets.token_urlsafe(16)
                provider.codes[code] = query
                target = f"{query['redirect_uri']}?" + urlencode(
                    {"code": code, "state": query["state"]}
                )
                self._send(302, b"", "text/plain", Location=target)
            elif url.path == "/jwks":
                self._send(200, json.dumps(provider.jwks()).encode(), "application/json")
            elif url.path == "/userinfo":
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                sub = provider.tokens.get(token)
                if sub is None:
                    self._send(401, b"{}", "application/json")
                    return
                signed = provider.sign({"sub": sub, **provider.claims})
                self._send(200, signed.encode(), "application/jwt")
            else:
                self._send(404, b"", "text/plain")

        def do_POST(self) -> None:  # noqa: N802
            provider.calls.append(self.path)
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            request = provider.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .rstrip(b"=")
                .decode()
            )
            if (
                self.path != "/token"
                or request is None
                or form.get("client_id") != CLIENT_ID
                or form.get("client_secret") != CLIENT_SECRET
                or form.get("redirect_uri") != request["redirect_uri"]
                or challenge != request.get("code_challenge")
            ):
                self._send(400, b'{"error": "invalid_grant"}', "application/json")
                return
            access = secrets.token_urlsafe(16)
            provider.tokens[access] = "sub-" + provider.claims["email"]
            id_token = provider.sign(
                {"sub": "sub-" + provider.claims["email"], "nonce": request["nonce"]}
            )
            body = {"access_token": access, "id_token": id_token, "token_type": "Bearer"}
            self._send(200, json.dumps(body).encode(), "application/json")

    return Handler


@pytest.fixture
def provider(settings):
    state = Provider(key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.PLANIA_PROCONNECT_ENABLED = True
    settings.PLANIA_PROCONNECT_ISSUER = state.base
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{state.base}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{state.base}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{state.base}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{state.base}/jwks"
    settings.OIDC_TIMEOUT = 5
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        settings.PROCONNECT_BACKEND,
    ]
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def proconnect_log_in(client: Client) -> Any:
    """The person clicks the button, signs in at the provider, and comes back."""
    login = client.get(reverse("web:login")).content.decode()
    start = reverse("web:proconnect_login")
    assert f'href="{start}"' in login and "Se connecter avec ProConnect" in login
    to_provider = client.get(start)
    assert to_provider.status_code == 302
    authorize = requests.get(to_provider["Location"], allow_redirects=False, timeout=5)
    assert authorize.status_code == 302
    back = urlsplit(authorize.headers["Location"])
    assert back.path == reverse("web:proconnect_callback")
    return client.get(f"{back.path}?{back.query}", follow=True)


def test_proconnect_logs_in_and_attaches_the_siret_s_company(db, provider):
    unit = sirene_company()
    siret = head_office_siret(unit.siren, 3)
    provider.claims = {
        "email": "Camille.Martin@Example.org",
        "given_name": "Camille",
        "usual_name": "Martin",
        "siret": siret,
    }
    client = Client()
    page = proconnect_log_in(client)
    assert provider.calls == ["/authorize", "/token", "/jwks", "/userinfo", "/jwks"]
    html = page.content.decode()
    assert "vous représentez" in html
    user = Membership.objects.get().user
    assert client.session["_auth_user_id"] == str(user.pk)
    assert user.email.casefold() == "camille.martin@example.org" and user.email_verified
    assert (user.first_name, user.last_name) == ("Camille", "Martin")
    membership = Membership.objects.get(user=user)
    assert membership.company.siren == siret[:9] == unit.siren
    assert (membership.status, membership.verified_via) == (
        MembershipStatus.ACTIVE,
        VerifiedVia.PROCONNECT,
    )
    # The company's pages and dossiers are open to them now.
    dossier = ApplicationFactory(company=membership.company, created_by=user)
    assert client.get(reverse("web:company", args=[unit.siren])).status_code == 200
    assert client.get(reverse("web:application", args=[dossier.reference])).status_code == 200


def test_proconnect_finds_an_existing_account_and_verifies_a_pending_request(db, provider):
    company = CompanyFactory()
    person = newcomer("camille@example.org")
    MembershipFactory(user=person, company=company, pending=True)
    provider.claims = {"email": "CAMILLE@example.org", "siret": head_office_siret(company.siren)}
    client = Client()
    proconnect_log_in(client)
    assert client.session["_auth_user_id"] == str(person.pk)
    membership = Membership.objects.get(user=person)
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.role == MembershipRole.OWNER


def test_proconnect_refuses_staff_and_unknown_companies_clearly(db, provider):
    staff_user = officer()
    provider.claims = {
        "email": staff_user.email,
        "siret": head_office_siret(CompanyFactory().siren),
    }
    client = Client()
    page = proconnect_log_in(client).content.decode()
    assert "_auth_user_id" not in client.session
    assert "agents de la Région" in page
    assert not Membership.objects.filter(user=staff_user).exists()

    provider.claims = {"email": "nobody@example.org", "siret": "73282932000074"}
    client = Client()
    page = proconnect_log_in(client).content.decode()
    assert "_auth_user_id" in client.session  # logged in ...
    assert "pas pu être rattachée" in page  # ... told why no company is attached
    assert not Membership.objects.exists()


def test_proconnect_token_for_another_client_is_refused(db, provider, monkeypatch):
    provider.claims = {
        "email": "camille@example.org",
        "siret": head_office_siret(CompanyFactory().siren),
    }
    original = provider.sign
    monkeypatch.setattr(provider, "sign", lambda payload: original({**payload, "aud": "other"}))
    client = Client()
    page = proconnect_log_in(client).content.decode()
    assert "_auth_user_id" not in client.session
    assert "pas abouti" in page
    assert not Membership.objects.exists()


def test_without_configuration_there_is_no_proconnect(client, db):
    assert "ProConnect" not in client.get(reverse("web:login")).content.decode()
    for name in ("web:proconnect_login", "web:proconnect_callback"):
        response = client.get(reverse(name), follow=True)
        assert response.redirect_chain == [(reverse("web:home"), 302)]
        assert "pas proposée sur ce site" in response.content.decode()
        assert "_auth_user_id" not in client.session


def test_an_expired_invitation_is_refused(staff):  # noqa: F811
    t = target(staff, owned=True)
    from plania.companies.services import CompanyError, invitation_accept, invitation_create

    invitation = invitation_create(company=t.company, email="late@example.org", actor=t.owner)
    invitation.expires_at = timezone.now() - timedelta(seconds=1)
    invitation.save()
    with pytest.raises(CompanyError) as refused:
        invitation_accept(invitation=invitation, actor=newcomer("late@example.org"))
    assert "expiré" in refused.value.message
