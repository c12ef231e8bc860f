"""In a real headless Chromium: a staff member's first login with the second factor, and
no page breaks the Content-Security-Policy (the browser reports any violation)."""

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from plania.accounts.roles import Role
from tests.factories import UserFactory
from tests.security.otp import totp_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_staff_member_sets_up_the_second_factor_in_a_browser(live_server, page, output_dir):
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    user = UserFactory(
        email="agent@region.example", is_staff=True, email_verified_at=timezone.now()
    )
    Group.objects.get_or_create(name=Role.OFFICER)[0].user_set.add(user)

    page.goto(live_server.url + "/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill("correct horse battery staple")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/securite/otp/configuration/**")
    assert page.locator(".otp-qr svg path").count() == 1
    secret = page.locator("code.otp-secret").inner_text()
    assert len(secret.replace(" ", "")) == 32
    shot = output_dir / "otp-setup.png"
    page.screenshot(path=str(shot), full_page=True)

    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page.get_by_label("Code à 6 chiffres").fill(totp_now(device))
    page.get_by_role("button", name="Confirmer").click()
    page.wait_for_url("**/compte/")
    assert "Votre application d'authentification est enregistrée" in page.content()
    page.goto(live_server.url + "/compte/jetons/")
    assert page.get_by_role("heading", name="Mes jetons d'API").is_visible()
    assert violations == []
