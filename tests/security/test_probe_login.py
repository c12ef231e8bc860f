"""Issue 13 item 7, the outside probe's lock-out bypass, on PostgreSQL (as every test):
after 5 failures on pilotage@demo.plania.fr, the right password typed as "pılotage@…"
(dotless ı, U+0131) logged in and cleared the lock, because authentication matched with
PostgreSQL's UPPER() ("ı" -> "I") and the lock-out counted Python's lower(). Now one key
(plania.accounts.addresses.email_key: NFKC, casefold) serves sign-up, authentication and
the lock-out, and the lock-out counts per account."""

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from plania.accounts.addresses import email_key
from plania.accounts.models import User
from plania.accounts.services import user_sign_up
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
LOGIN = "/compte/connexion/"
REAL = "pilotage@demo.plania.fr"
DOTLESS = "p\u0131lotage@demo.plania.fr"  # pılotage, dotless ı
CYRILLIC = "pil\u043etage@demo.plania.fr"  # Cyrillic о
FULLWIDTH = "\uff50ilotage@demo.plania.fr"  # ｐ, NFKC -> p


@pytest.fixture
def pilotage(db):
    return UserFactory(email=REAL, email_verified_at=timezone.now())


def attempt(client, username, password="wrong password", ip="192.0.2.10", url=LOGIN):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def logged_in(client):
    return "_auth_user_id" in client.session


def test_the_database_folds_the_dotless_i_as_the_probe_said():
    # The premise: PostgreSQL's UPPER() folds the look-alike into the real address.
    with connection.cursor() as cursor:
        cursor.execute("SELECT UPPER(%s) = UPPER(%s)", [DOTLESS, REAL])
        assert cursor.fetchone()[0] is True
    assert email_key(DOTLESS) != email_key(REAL)


def test_the_look_alike_does_not_log_in_once_locked_nor_clear_the_lock(client, pilotage):
    for _ in range(5):
        attempt(client, REAL)
    assert attempt(client, REAL, PASSWORD).status_code == 429
    response = attempt(client, DOTLESS, PASSWORD)
    assert response.status_code in {200, 429}
    assert not logged_in(client)
    # The lock on the real account is still there.
    assert attempt(client, REAL, PASSWORD).status_code == 429
    assert not logged_in(client)


def test_the_look_alike_never_logs_in(client, pilotage):
    for typed in (DOTLESS, CYRILLIC):
        response = attempt(client, typed, PASSWORD)
        assert response.status_code == 200, typed
        assert "Adresse e-mail ou mot de passe incorrect." in response.content.decode()
        assert not logged_in(client)


def test_spellings_that_normalise_to_the_address_are_the_account_and_share_its_count(
    client, pilotage
):
    # Fullwidth letters and case are the same address once NFKC and casefold: the same
    # account, counted together (keyed on the account, not on what was typed).
    for typed in (FULLWIDTH, REAL.upper(), FULLWIDTH, " Pilotage@Demo.Plania.fr", REAL):
        attempt(client, typed)
    assert {a.username for a in AccessAttempt.objects.all()} == {f"account:{pilotage.pk}"}
    assert attempt(client, REAL, PASSWORD).status_code == 429
    assert attempt(client, FULLWIDTH, PASSWORD).status_code == 429


def test_an_address_without_account_is_counted_by_its_key(client, pilotage):
    attempt(client, DOTLESS)
    (row,) = AccessAttempt.objects.all()
    assert row.username == f"address:{email_key(DOTLESS)}"


def test_the_fullwidth_spelling_logs_in_as_the_account(client, pilotage):
    assert attempt(client, FULLWIDTH, PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(pilotage.pk)


@pytest.mark.parametrize("address", [DOTLESS, CYRILLIC, "jos\u00e9@example.org"])
def test_sign_up_refuses_look_alike_addresses_in_french(client, pilotage, address):
    response = client.post(
        "/compte/inscription/",
        {
            "email": address,
            "first_name": "Eve",
            "last_name": "Usurpatrice",
            "password1": "un mot de passe assez long",
            "password2": "un mot de passe assez long",
            "consent": "on",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "PlanIA n&#x27;accepte que les adresses écrites en caractères ASCII" in page
    assert User.objects.count() == 1
    assert mail.outbox == []


def test_the_refusal_speaks_english_under_en(client):
    response = client.post(
        "/en/compte/inscription/",
        {"email": DOTLESS, "first_name": "E", "last_name": "U", "consent": "on"},
    )
    assert "PlanIA only accepts addresses written in ASCII characters" in (
        response.content.decode().replace("&#x27;", "'")
    )


def test_the_sign_up_service_refuses_them_too(pilotage):
    with pytest.raises(ValidationError) as refused:
        user_sign_up(
            email=DOTLESS,
            password="un mot de passe assez long",
            first_name="Eve",
            last_name="U",
            language="fr",
        )
    assert refused.value.error_list[0].code == "lookalike"


def test_sign_up_with_a_normalised_spelling_finds_the_existing_account(pilotage):
    assert (
        user_sign_up(
            email="PILOTAGE@demo.plania.fr",
            password="un mot de passe assez long",
            first_name="A",
            last_name="B",
            language="fr",
        )
        is None
    )
    assert User.objects.count() == 1


def test_every_save_keeps_the_key(pilotage):
    pilotage.email = "Nouvelle.Adresse@Demo.Plania.fr"
    pilotage.save(update_fields=["email"])
    pilotage.refresh_from_db()
    assert pilotage.email_key == "nouvelle.adresse@demo.plania.fr"


def test_a_password_reset_for_the_look_alike_mails_nobody(client, pilotage):
    client.post("/compte/mot-de-passe/oubli/", {"email": DOTLESS})
    assert mail.outbox == []
    client.post("/compte/mot-de-passe/oubli/", {"email": REAL.upper()})
    assert [m.to for m in mail.outbox] == [[REAL]]
