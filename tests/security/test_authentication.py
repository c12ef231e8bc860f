"""Passwords and sessions (issue 7 item 2; OWASP ASVS 2.1, 2.4, 3.3): Argon2, the password
rules, sessions that end. (The second factor: test_two_factor.py; the lock-out:
test_lockout.py; the cookies' flags: test_headers.py.)

The test settings hash with MD5 for speed (conftest.py); these tests put the project's own
hashers back."""

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone, translation

from plania import settings as project
from plania.accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
LOGIN = "/compte/connexion/"
HASHERS = override_settings(PASSWORD_HASHERS=project.PASSWORD_HASHERS)


def test_the_project_hashes_with_argon2id():
    assert project.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    with HASHERS:
        user = UserFactory(email="argon@example.org")
        user.set_password(PASSWORD)
        user.save()
        assert user.password.startswith("argon2$argon2id$")
        assert user.check_password(PASSWORD)


def test_an_older_hash_is_upgraded_to_argon2_at_the_next_login(client):
    with HASHERS:
        user = UserFactory(email="old@example.org", email_verified_at=timezone.now())
        User.objects.filter(pk=user.pk).update(
            password=make_password(PASSWORD, hasher="pbkdf2_sha256")
        )
        response = client.post(LOGIN, {"username": user.email, "password": PASSWORD})
        assert response.status_code == 302
        user.refresh_from_db()
        assert user.password.startswith("argon2$")


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("Tr0ub4dor&3x", None),  # 12 characters, not common: accepted
        ("Tr0ub4dor&3", "au minimum 12 caractères"),
        ("123456789012", "entièrement numérique"),
        ("password1234", "trop courant"),
        ("camille.durand@example.org", "trop semblable"),
    ],
)
def test_the_password_rules(password, why):
    person = User(email="camille.durand@example.org", first_name="Camille", last_name="Durand")
    with translation.override("fr"):
        if why is None:
            validate_password(password, user=person)
            return
        with pytest.raises(ValidationError) as refused:
            validate_password(password, user=person)
    assert any(why in message for message in refused.value.messages), refused.value.messages


def test_a_session_ends_after_twelve_hours_on_the_server(client):
    assert project.SESSION_COOKIE_AGE == 12 * 60 * 60
    user = UserFactory(email="late@example.org", email_verified_at=timezone.now())
    before = timezone.now()
    client.post(LOGIN, {"username": user.email, "password": PASSWORD})
    assert client.get("/compte/").status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    twelve_hours = before + timedelta(hours=12)
    assert abs((session.expire_date - twelve_hours).total_seconds()) < 60
    # Twelve hours later (the row's expiry reached), the same cookie is signed out.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/compte/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


@override_settings(SESSION_COOKIE_AGE=60)
def test_the_session_lifetime_is_a_setting(client):
    user = UserFactory(email="short@example.org", email_verified_at=timezone.now())
    client.post(LOGIN, {"username": user.email, "password": PASSWORD})
    session = Session.objects.get(session_key=client.session.session_key)
    assert (session.expire_date - timezone.now()).total_seconds() <= 60


def test_logging_out_ends_the_session_on_the_server(client):
    user = UserFactory(email="bye@example.org", email_verified_at=timezone.now())
    client.post(LOGIN, {"username": user.email, "password": PASSWORD})
    key = client.session.session_key
    client.post("/compte/deconnexion/")
    assert not Session.objects.filter(session_key=key).exists()
