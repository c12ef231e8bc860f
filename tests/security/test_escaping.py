"""Hostile text is shown as text (issue 7 item 5): script tags typed into every text field a
person can fill today come back escaped on the pages that show them.

Fields: sign-up names, a company entered by hand, the dossier form's text fields and its
budget rows, messages, API token names, document file names, values echoed from the
address (`next`, the pre-check's query), and the staff side: internal notes and the
officer's review, a committee session's title and agenda, an award's beneficiary.
"""

import html

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from plania.accounts.models import User
from plania.applications.models import Application
from plania.companies.enums import VerifiedVia
from plania.companies.models import Company
from plania.companies.services import representative_verify
from plania.companies.sirene import sample_siren
from plania.documents.services import attachment_add
from plania.messaging.services import message_post
from tests.companies.factories import MembershipFactory
from tests.documents.files import PDF_BYTES, upload
from tests.security.html import page_problems
from tests.security.otp import totp_device
from tests.security.world import APPLICANT, World

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
PAYLOADS = [SCRIPT, BREAKOUT]


def assert_escaped(page: str, *values: str) -> None:
    """Each value is on the page as text (escaped), never as markup."""
    for value in values:
        if html.escape(value) != value:
            assert value not in page, f"raw {value!r} on the page"
        assert html.escape(value) in page, f"{value!r} not shown (escaped) on the page"
    problems = [p for p in page_problems(page) if "onerror" in p or "inline <script>" in p]
    assert problems == [], problems


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sign_up_names(client, db, payload, django_capture_on_commit_callbacks):
    data = {
        "email": "hostile@example.org",
        "first_name": payload,
        "last_name": f"Nom {payload}",
        "password1": "un mot de passe solide 2025",
        "password2": "pas le même",
        "consent": "on",
    }
    # A refused form shows the names typed, in its fields.
    refused = client.post("/compte/inscription/", data)
    assert refused.status_code == 200
    assert_escaped(refused.content.decode(), payload, f"Nom {payload}")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/compte/inscription/", {**data, "password2": data["password1"]})
    user = User.objects.get(email="hostile@example.org")
    assert user.first_name == payload  # kept as typed: escaping is the page's job
    assert len(mail.outbox) == 1
    # The name is shown to the owner of a company the person asks to join.
    owner = User.objects.create(username="owner", email="owner@example.org")
    owner.email_verified_at = timezone.now()
    owner.save()
    company = MembershipFactory(user=owner).company
    MembershipFactory(user=user, company=company, pending=True)
    client.force_login(owner)
    page = get(client, reverse("web:company", kwargs={"siren": company.siren}))
    assert_escaped(page, f"{payload} Nom {payload}")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_company_entered_by_hand(client, world: World, payload):
    client.force_login(world.a.owner)
    siren = sample_siren(7, seed=9191)
    response = client.post(
        "/entreprises/saisie/",
        {
            "siren": siren,
            "name": f"Société {payload}",
            "creation_date": "2022-05-01",
            "postcode": "31000",
            "naf_code": "",
            "size_band": "",
            "category": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    company = Company.objects.get(siren=siren)
    assert company.name == f"Société {payload}"
    # Entering a company files a pending request; verified (as by a mandate), its page shows.
    representative_verify(company=company, user=world.a.owner, via=VerifiedVia.MANDATE, actor=None)
    for url in (reverse("web:company", kwargs={"siren": siren}), reverse("web:my_companies")):
        assert_escaped(get(client, url), f"Société {payload}")
    # A refused entry shows the name typed back in its field.
    refused = client.post("/entreprises/saisie/", {"siren": "123", "name": f"X {payload}"})
    assert_escaped(refused.content.decode(), f"X {payload}")


def dossier_form(app: Application, payload: str) -> dict[str, str]:
    return {
        "version": str(app.version),
        "q-project_title": f"Titre {payload}",
        "q-summary": f"Résumé {payload}\nsur deux lignes",
        "q-lab_other": f"Labo {payload}",
        "q-collaboration": f"Collaboration {payload}",
        "q-headcount": "8",
        "q-requested_eur": "90 000",
        "cost-count": "1",
        "cost-0-label": f"Poste {payload}",
        "cost-0-category": "personnel",
        "cost-0-amount": "70 000",
        "cost-0-eligible": "on",
        "aid-count": "1",
        "aid-0-granting_body": f"Financeur {payload}",
        "aid-0-granted_on": "2024-01-15",
        "aid-0-amount": "1 000",
        "aid-0-regulation": "de_minimis",
        "action": "save",
    }


@pytest.mark.parametrize("payload", PAYLOADS)
def test_dossier_fields(client, world: World, payload):
    app = world.a.dossier
    client.force_login(world.a.owner)
    url = reverse("web:application_edit", kwargs={"reference": app.reference})
    response = client.post(url, dossier_form(app, payload))
    assert response.status_code in (200, 302), response.status_code
    app.refresh_from_db()
    assert app.answers["project_title"] == f"Titre {payload}"
    page = get(client, url)
    assert_escaped(page, f"Titre {payload}", f"Labo {payload}", f"Poste {payload}")
    assert_escaped(page, f"Financeur {payload}", f"Collaboration {payload}")
    detail = get(client, reverse("web:application", kwargs={"reference": app.reference}))
    assert f"Titre {payload}" not in detail
    assert page_problems(detail) == []
    # The autosave answers JSON, never HTML.
    autosave = client.post(
        reverse("web:application_autosave", kwargs={"reference": app.reference}),
        dossier_form(Application.objects.get(pk=app.pk), payload),
    )
    assert autosave["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_messages_both_sides(client, world: World, payload):
    # A filed dossier of A, and the officer of its scheme (staff reach no draft).
    from plania.instruction.models import SchemeAssignment
    from tests.documents.dossiers import ApplicationFactory

    app = ApplicationFactory(submitted=True, company=world.a.company)
    SchemeAssignment.objects.create(officer=world.users["officer"], scheme_code=app.scheme_code)
    url = reverse("web:message_thread", kwargs={"reference": app.reference})
    client.force_login(world.a.owner)
    response = client.post(url, {"action": "message", "body": f"Bonjour {payload}"})
    assert response.status_code == 302
    assert_escaped(get(client, url), f"Bonjour {payload}")
    # The staff side reads it escaped too, and writes back.
    officer = world.client_for("officer")
    assert_escaped(get(officer, url), f"Bonjour {payload}")
    message_post(application=app, actor=world.users["officer"], body=f"Réponse {payload}")
    assert_escaped(get(client, url), f"Réponse {payload}")
    # The inbox names the company (a name typed by hand may be hostile too).
    Company.objects.filter(pk=world.a.company.pk).update(name=f"Entreprise {payload}")
    assert_escaped(get(client, reverse("web:message_inbox")), f"Entreprise {payload}")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_api_token_names(world: World, payload):
    client = world.client_for(APPLICANT)
    response = client.post("/compte/jetons/", {"name": f"Jeton {payload}", "validity": "30"})
    assert response.status_code == 200
    assert_escaped(response.content.decode(), f"Jeton {payload}")
    assert_escaped(get(client, "/compte/jetons/"), f"Jeton {payload}")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_document_file_names(world: World, payload):
    app = world.a.dossier
    document = attachment_add(
        application=app,
        actor=world.a.owner,
        uploaded_file=upload(f"devis {payload}.pdf", PDF_BYTES + payload.encode()),
        kind="other",
    )
    client = world.client_for(APPLICANT)
    page = get(client, reverse("web:attachments", kwargs={"reference": app.reference}))
    # The stored name is sanitised for display (docs/documents.md); what is left of the
    # payload is shown as text.
    assert_escaped(page, document.original_name)
    assert SCRIPT not in page and "<img src=x" not in page


@pytest.mark.parametrize("payload", PAYLOADS)
def test_values_echoed_from_the_address(client, world: World, payload):
    login = client.get("/compte/connexion/", {"next": payload})
    assert_escaped(login.content.decode(), payload)
    call = world.a.dossier.call.reference
    precheck = client.get(
        reverse("web:call_precheck", kwargs={"call": call}), {"q-project_title": payload}
    )
    assert SCRIPT not in precheck.content.decode() and "<img src=x" not in precheck.content.decode()
    # The second-factor page keeps `next` in a hidden field.
    totp_device(world.users["officer"])
    client.force_login(world.users["officer"])
    otp = client.get("/securite/otp/", {"next": f"/compte/{payload}"})
    assert_escaped(otp.content.decode(), f"/compte/{payload}")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_internal_notes_and_the_review(world: World, payload):
    from plania.instruction.services import application_start_review, note_add, review_save
    from tests.security.test_route_matrix import awarded

    dossier = awarded(world).filed
    officer = world.users["officer"]
    application_start_review(application=dossier, actor=officer)
    note_add(application=dossier, actor=officer, body=f"Note {payload}")
    review_save(application=dossier, actor=officer, summary=f"Synthèse {payload}")
    url = reverse("web:instruction_dossier", kwargs={"reference": dossier.reference})
    assert_escaped(get(world.client_for("officer"), url), f"Note {payload}", f"Synthèse {payload}")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_committee_session_and_award_pages(world: World, payload):
    from plania.awards.models import Award
    from plania.committee.models import AgendaItem, CommitteeSession
    from tests.security.test_route_matrix import awarded

    x = awarded(world)
    CommitteeSession.objects.filter(pk=x.session.pk).update(title=f"Séance {payload}")
    AgendaItem.objects.filter(pk=x.item.pk).update(beneficiary_name=f"Bénéficiaire {payload}")
    Award.objects.filter(pk=x.award_a.pk).update(beneficiary_name=f"Lauréat {payload}")
    session = get(
        world.client_for("committee"), reverse("web:committee_session", args=[x.session.pk])
    )
    assert_escaped(session, f"Séance {payload}", f"Bénéficiaire {payload}")
    for client in (world.client_for(APPLICANT), world.client_for("finance")):
        award = get(client, reverse("web:award", args=[x.award_a.reference]))
        assert_escaped(award, f"Lauréat {payload}")
