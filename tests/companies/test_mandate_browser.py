"""A person who asked to represent a company sends a mandate ("pouvoir") and an officer
accepts it, both by clicking in a real headless Chromium from the pages they land on after
signing in (their account page; the officer's instruction page). Issue 13 item 2 (b)."""

import pytest
from django.test import Client

from plania.companies.enums import MandateStatus, MembershipStatus, VerifiedVia
from plania.companies.models import Mandate, Membership
from tests.awards.flows import PDF
from tests.companies.factories import CompanyFactory, MembershipFactory
from tests.documents.dossiers import private_storage_dir  # noqa: F401 - fixture
from tests.factories import UserFactory
from tests.instruction.helpers import officer
from tests.security.otp import otp_browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _private(private_storage_dir):  # noqa: F811
    return private_storage_dir


def _signed_in(page, base_url: str, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}]
    )


def test_a_mandate_is_sent_then_accepted_by_clicking(live_server, page, tmp_path, output_dir):
    from django.utils import timezone

    company = CompanyFactory(name="Robotique du Lauragais")
    person = UserFactory(email="gerante@example.org", email_verified_at=timezone.now())
    MembershipFactory(user=person, company=company, pending=True)
    pdf = tmp_path / "pouvoir.pdf"
    pdf.write_bytes(PDF)

    # The person: account page -> "Mes entreprises" -> "Déposer un pouvoir".
    _signed_in(page, live_server.url, person)
    page.goto(f"{live_server.url}/compte/")
    page.get_by_role("link", name="Mes entreprises").first.click()
    page.wait_for_load_state()
    assert "Demande de rattachement en attente" in page.content()
    page.get_by_role("link", name="Déposer un pouvoir").click()
    page.wait_for_load_state()
    page.get_by_label("Pouvoir signé (PDF)").set_input_files(str(pdf))
    page.get_by_role("button", name="Déposer le pouvoir").click()
    page.wait_for_load_state()
    mandate = Mandate.objects.get(company=company, user=person)
    assert mandate.status == MandateStatus.PENDING

    # The officer: instruction page -> the mandates to examine -> accept.
    agent = officer(email="agent-pouvoirs@region.example")
    otp_browser_login(page, live_server.url, agent)
    page.goto(f"{live_server.url}/instruction/")
    page.get_by_test_id("mandates-link").click()
    page.wait_for_load_state()
    assert "Robotique du Lauragais" in page.content()
    page.screenshot(path=str(output_dir / "mandates-queue.png"), full_page=True)
    page.get_by_label("Accepter").check()
    page.get_by_role("button", name="Enregistrer la décision").click()
    page.wait_for_load_state()

    mandate.refresh_from_db()
    membership = Membership.objects.get(user=person, company=company)
    assert mandate.status == MandateStatus.ACCEPTED
    assert (membership.status, membership.verified_via) == (
        MembershipStatus.ACTIVE,
        VerifiedVia.MANDATE,
    )
