"""Staff two-factor authentication (issue 7 item 2): a staff login without the second
factor reaches no staff page; the first login sets up a TOTP device, later ones ask a code."""

import re
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from plania.accounts.roles import Role
from plania.accounts.services import api_token_create
from plania.security.services import otp_device_confirm, otp_device_start
from plania.security.twofactor import STAFF_ROLES
from tests.factories import UserFactory
from tests.security.otp import otp_force_login, totp_device, totp_now
from tests.security.routes import project_routes

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
SAMPLE = {"int": "1", "uuid": str(uuid.uuid4()), "slug": "x", "str": "x", "path": "x"}


def officer(**fields):
    user = UserFactory(
        email=fields.pop("email", "officer@region.example"),
        email_verified_at=timezone.now(),
        **{"is_staff": True, **fields},
    )
    Group.objects.get_or_create(name=Role.OFFICER)[0].user_set.add(user)
    return user


def login(client, email, password=PASSWORD, next_url=""):
    data = {"username": email, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("web:login"), data)


def staff_role_urls():
    """Every project route whose policy is a staff role, its parameters filled with
    anything of the right shape (the second factor is checked before the view runs)."""
    urls = []
    for route in project_routes():
        if route.policy is None or route.policy.who not in STAFF_ROLES:
            continue
        kwargs = {
            name: SAMPLE[converter or "str"]
            for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", route.route)
        }
        urls.append((route.policy.who, reverse(route.name, kwargs=kwargs)))
    return urls


# -- the login flow ----------------------------------------------------------------------


def test_first_staff_login_sets_up_a_device_then_reaches_the_page(client):
    user = officer()
    response = login(client, user.email, next_url="/compte/jetons/")
    assert response.status_code == 302
    assert response["Location"] == "/securite/otp/?next=%2Fcompte%2Fjetons%2F"
    # No device yet: the verify page sends to the set-up page, keeping `next`.
    response = client.get(response["Location"])
    assert response["Location"] == "/securite/otp/configuration/?next=%2Fcompte%2Fjetons%2F"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert page["Cache-Control"].count("no-store") == 1
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = re.search(r'<code class="otp-secret">([A-Z2-7 ]+)</code>', html).group(1)
    assert len(secret.replace(" ", "")) == 32  # 160 bits, base32
    assert "<svg" in html and "<path" in html  # the QR code, drawn on the server
    # A wrong code: an error, still unconfirmed.
    wrong = client.post(page.request["PATH_INFO"], {"token": "000000", "next": "/compte/jetons/"})
    assert wrong.status_code == 200
    assert "Code incorrect ou expiré" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    device.throttle_reset()
    right = client.post(
        "/securite/otp/configuration/", {"token": totp_now(device), "next": "/compte/jetons/"}
    )
    assert right.status_code == 302 and right["Location"] == "/compte/jetons/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/compte/jetons/").status_code == 200


def test_a_later_login_asks_the_code_of_the_device(client):
    user = officer()
    device = totp_device(user)
    response = login(client, user.email)
    assert response["Location"] == "/securite/otp/?next=%2Fcompte%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'autocomplete="one-time-code"' in page.content.decode()
    assert client.get("/compte/jetons/")["Location"].startswith("/securite/otp/")
    response = client.post("/securite/otp/", {"token": totp_now(device), "next": "/compte/"})
    assert response.status_code == 302 and response["Location"] == "/compte/"
    assert client.get("/compte/jetons/").status_code == 200


def test_the_session_key_changes_when_the_second_factor_is_passed(client):
    user = officer()
    device = totp_device(user)
    login(client, user.email)
    before = client.cookies["sessionid"].value
    client.post("/securite/otp/", {"token": totp_now(device)})
    assert client.cookies["sessionid"].value != before


def test_each_password_login_asks_a_new_code(client):
    user = officer()
    otp_force_login(client, user)
    assert client.get("/compte/jetons/").status_code == 200
    client.post(reverse("web:logout"))
    response = login(client, user.email)
    assert response["Location"].startswith("/securite/otp/")
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get("/compte/jetons/")["Location"].startswith("/securite/otp/")


def test_an_applicant_logs_in_without_a_second_factor(client):
    user = UserFactory(email="porteur@example.org", email_verified_at=timezone.now())
    response = login(client, user.email)
    assert response["Location"] == "/compte/"
    assert client.get("/compte/jetons/").status_code == 200
    # The second-factor pages have nothing for them.
    assert client.get("/securite/otp/")["Location"] == "/compte/"
    assert client.get("/securite/otp/configuration/")["Location"] == "/compte/"
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_wrong_codes_make_the_person_wait(client):
    user = officer()
    device = totp_device(user)
    login(client, user.email)
    first = client.post("/securite/otp/", {"token": "000000"})
    assert "Code incorrect ou expiré" in first.content.decode()
    second = client.post("/securite/otp/", {"token": totp_now(device)})
    # Even the right code waits until the delay after the wrong one has passed.
    assert "Trop de codes erronés : réessayez après" in second.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(minutes=1)
    )
    assert client.post("/securite/otp/", {"token": totp_now(device)}).status_code == 302


def test_a_code_serves_once(client):
    user = officer()
    device = totp_device(user)
    login(client, user.email)
    code = totp_now(device)
    assert client.post("/securite/otp/", {"token": code}).status_code == 302
    client.post(reverse("web:logout"))
    login(client, user.email)
    replay = client.post("/securite/otp/", {"token": code})
    assert replay.status_code == 200 and DEVICE_ID_SESSION_KEY not in client.session


def test_the_code_form_says_what_a_code_looks_like(client):
    user = officer()
    totp_device(user)
    login(client, user.email)
    response = client.post("/securite/otp/", {"token": "12ab"})
    assert "Le code est fait de 6 chiffres." in response.content.decode()


def test_set_up_confirms_one_device_and_drops_the_others():
    user = officer()
    stale = TOTPDevice.objects.create(user=user, name="old", confirmed=False)
    device = otp_device_start(user=user)
    assert device.pk == stale.pk  # the same secret on each visit until confirmed
    extra = TOTPDevice.objects.create(user=user, name="other", confirmed=False)
    assert otp_device_confirm(device=device, token=totp_now(device))
    assert list(TOTPDevice.objects.filter(user=user).values_list("pk", "confirmed")) == [
        (device.pk, True)
    ]
    assert not TOTPDevice.objects.filter(pk=extra.pk).exists()


def test_otp_reset_command_forgets_the_device(client):
    user = officer()
    totp_device(user)
    call_command("otp_reset", user.email.upper())
    assert not TOTPDevice.objects.filter(user=user).exists()
    login(client, user.email)
    assert client.get("/securite/otp/")["Location"].startswith("/securite/otp/configuration/")


# -- staff pages refuse a session without the second factor ---------------------------------


def test_every_staff_page_needs_the_second_factor(client):
    urls = staff_role_urls()
    users = {}
    for role, url in urls:
        user = users.get(role)
        if user is None:
            user = UserFactory(
                email=f"{role}@region.example", email_verified_at=timezone.now(), is_staff=True
            )
            Group.objects.get_or_create(name=role)[0].user_set.add(user)
            users[role] = user
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/securite/otp/?next="), url
    for url in ("/admin/", "/admin/accounts/user/", "/compte/jetons/"):
        client.force_login(users.get(Role.OFFICER) or officer())
        assert client.get(url)["Location"].startswith("/securite/otp/?next="), url


def test_a_staff_page_is_reached_once_the_second_factor_is_passed(client):
    admin = UserFactory(
        email="admin@region.example", is_staff=True, is_superuser=True, email_verified_at=None
    )
    client.force_login(admin)
    assert client.get("/admin/accounts/user/").status_code == 302
    otp_force_login(client, admin)
    assert client.get("/admin/accounts/user/").status_code == 200


@override_settings(ROOT_URLCONF="tests.security.urls_staff")
def test_a_staff_role_page_refuses_without_second_factor_and_hides_from_others(client):
    user = officer()
    client.force_login(user)
    response = client.get("/agents/")
    assert response["Location"] == "/securite/otp/?next=%2Fagents%2F"
    otp_force_login(client, user)
    assert client.get("/agents/").content == b"officer page"
    # An applicant is not sent to the second factor: the page does not exist for them.
    client.force_login(UserFactory(email_verified_at=timezone.now()))
    assert client.get("/agents/").status_code == 404
    assert client.get("/").status_code == 200


@override_settings(ROOT_URLCONF="tests.security.urls_staff")
def test_a_role_given_after_login_counts_at_once(client):
    user = UserFactory(email="new-officer@region.example", email_verified_at=timezone.now())
    client.force_login(user)  # not staff when logging in
    Group.objects.get_or_create(name=Role.OFFICER)[0].user_set.add(user)
    response = client.get("/agents/")
    assert response.status_code == 302 and response["Location"].startswith("/securite/otp/")


def test_a_staff_member_s_api_token_is_made_behind_the_second_factor(client):
    user = officer()
    client.force_login(user)
    response = client.post("/compte/jetons/", {"name": "script", "validity": "30"})
    assert response.status_code == 302 and response["Location"].startswith("/securite/otp/")
    assert not user.api_tokens.exists()
    otp_force_login(client, user)
    assert client.post("/compte/jetons/", {"name": "script", "validity": "30"}).status_code == 200
    assert user.api_tokens.count() == 1


@override_settings(PLANIA_OTP_SCOPE="signed-in")
def test_the_signed_in_scope_covers_every_page_and_the_session_api(client):
    user = officer()
    _, token = api_token_create(user=user, name="made earlier")
    client.force_login(user)
    assert client.get("/compte/")["Location"] == "/securite/otp/?next=%2Fcompte%2F"
    assert client.get("/messages/")["Location"].startswith("/securite/otp/")
    api = client.get("/api/v1/accounts/me")
    assert api.status_code == 403
    assert api.json() == {
        "detail": "Confirmez d'abord votre identité avec le code de votre application "
        "d'authentification.",
        "code": "second_factor",
        "errors": {},
    }
    # Public pages stay open; a Bearer token (made behind the second factor) works.
    assert client.get("/").status_code == 200
    bearer = client.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {token}"})
    assert bearer.status_code == 200
    # Another kind of Authorization header does not get the session past the check.
    basic = client.get("/api/v1/accounts/me", headers={"Authorization": "Basic eDp5"})
    assert basic.status_code == 403
    wrong = client.get("/api/v1/accounts/me", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    otp_force_login(client, user)
    assert client.get("/compte/").status_code == 200
    assert client.get("/api/v1/accounts/me").status_code == 200
    # Applicants are not concerned.
    client.force_login(UserFactory(email_verified_at=timezone.now()))
    assert client.get("/compte/").status_code == 200


@override_settings(PLANIA_OTP_REQUIRED=False)
def test_the_second_factor_can_be_switched_off(client):
    user = officer()
    response = login(client, user.email)
    assert response["Location"] == "/compte/"
    assert client.get("/admin/").status_code == 200


def test_the_pages_speak_english_under_en(client):
    user = officer()
    totp_device(user)
    response = client.post("/en/compte/connexion/", {"username": user.email, "password": PASSWORD})
    assert response["Location"].startswith("/en/securite/otp/")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert '<html lang="en">' in page.content.decode()
