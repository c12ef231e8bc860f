"""Issue 13 item 8: rate limits with a clear 429 (Retry-After, French or English). The
probe sent 10 password resets (10 mails) and 30 messages in 5 s (30 staff mails), and
nothing limited sign-up, the API or the pre-check. The limits are on by default
(plania.config); each test lowers one to a few requests so that it is quick to reach."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from plania.accounts.services import api_token_create
from plania.config import Environment
from plania.messaging.models import Message
from plania.security.models import RateCounter
from plania.security.ratelimit import detail
from tests.documents.dossiers import ApplicationFactory, CallFactory, member_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "un mot de passe assez long"
FRENCH = "Trop de demandes en peu de temps"
ENGLISH = "Too many requests in a short time"


@pytest.fixture
def limit(settings):
    def set_limit(name, value):
        settings.PLANIA_RATES = {**settings.PLANIA_RATES, name: value}

    return set_limit


def assert_429(response, english=False):
    assert response.status_code == 429, response.content[:300]
    assert 1 <= int(response["Retry-After"]) <= 3600
    text = response.content.decode().replace("&#x27;", "'")
    assert (ENGLISH if english else FRENCH) in text
    return text


def test_the_limits_are_on_by_default(settings):
    assert settings.PLANIA_RATE_LIMITS is True
    defaults = Environment.model_construct().rates()
    assert set(defaults) == {
        "login_ip",
        "signup_ip",
        "reset_address",
        "reset_ip",
        "messages",
        "api",
        "precheck_ip",
    }
    assert "off" not in defaults.values()
    assert settings.PLANIA_RATES == defaults


def test_login_per_ip_address(client, limit):
    limit("login_ip", "3/m")
    for n in range(3):
        response = client.post(
            "/compte/connexion/",
            {"username": f"x{n}@example.org", "password": "wrong"},
            REMOTE_ADDR="192.0.2.1",
        )
        assert response.status_code == 200
    page = assert_429(
        client.post(
            "/compte/connexion/",
            {"username": "y@example.org", "password": "wrong"},
            REMOTE_ADDR="192.0.2.1",
        )
    )
    assert "<h1>Trop de demandes</h1>" in page
    # Another address is not held back; the form itself (GET) is never limited.
    other = client.post(
        "/compte/connexion/",
        {"username": "y@example.org", "password": "x"},
        REMOTE_ADDR="192.0.2.2",
    )
    assert other.status_code == 200
    assert client.get("/compte/connexion/", REMOTE_ADDR="192.0.2.1").status_code == 200


def test_the_429_page_speaks_english_under_en(client, limit):
    limit("login_ip", "1/m")
    client.post("/en/compte/connexion/", {"username": "a@example.org", "password": "x"})
    response = client.post("/en/compte/connexion/", {"username": "a@example.org", "password": "x"})
    assert '<html lang="en">' in assert_429(response, english=True)


def test_sign_up_per_ip_address(client, limit):
    limit("signup_ip", "2/h")
    for n in range(2):
        client.post("/compte/inscription/", {"email": f"n{n}@example.org"})
        client.cookies.clear()
    assert_429(client.post("/compte/inscription/", {"email": "n9@example.org"}))


def test_password_reset_per_address(client, limit):
    limit("reset_address", "3/h")
    user = UserFactory(email="camille@example.org")
    for n in range(3):
        response = client.post(
            "/compte/mot-de-passe/oubli/", {"email": user.email}, REMOTE_ADDR=f"192.0.2.{n}"
        )
        assert response.status_code == 302
    # From yet another IP address, and spelled otherwise: the same address.
    assert_429(
        client.post(
            "/compte/mot-de-passe/oubli/", {"email": "CAMILLE@example.org"}, REMOTE_ADDR="192.0.2.9"
        )
    )
    assert len(mail.outbox) == 3


def test_password_reset_per_ip_address(client, limit):
    limit("reset_ip", "4/h")
    for n in range(4):
        client.post("/compte/mot-de-passe/oubli/", {"email": f"p{n}@example.org"})
    assert_429(client.post("/compte/mot-de-passe/oubli/", {"email": "p9@example.org"}))


def test_the_probe_s_ten_resets_send_at_most_the_default_limit(client):
    # Unchanged defaults: 10 requests for one address send 3 mails, not 10.
    user = UserFactory(email="dix@example.org")
    codes = [
        client.post("/compte/mot-de-passe/oubli/", {"email": user.email}).status_code
        for _ in range(10)
    ]
    assert codes.count(429) == 7
    assert len(mail.outbox) == 3


@pytest.fixture
def dossier_and_member(private_storage_dir):
    dossier = ApplicationFactory()
    return dossier, member_of(dossier.company, email="camille@garonne.example")


def test_messages_per_person_on_the_page_and_the_api(client, limit, dossier_and_member):
    limit("messages", "3/m")
    dossier, member = dossier_and_member
    client.force_login(member)
    page = reverse("web:message_thread", kwargs={"reference": dossier.reference})
    api = f"/api/v1/messages/{dossier.reference}"
    assert client.post(page, {"action": "message", "body": "un"}).status_code == 302
    assert client.post(api, {"body": "deux"}).status_code == 201
    assert client.post(page, {"action": "message", "body": "trois"}).status_code == 302
    assert_429(client.post(page, {"action": "message", "body": "quatre"}))
    refused = client.post(api, {"body": "cinq"})
    assert_429(refused)
    assert refused.json()["code"] == "throttled"
    assert Message.objects.count() == 3
    # Reading is not limited by it.
    assert client.get(page).status_code == 200


def test_the_probe_s_thirty_messages_by_default(client, dossier_and_member):
    dossier, member = dossier_and_member
    client.force_login(member)
    page = reverse("web:message_thread", kwargs={"reference": dossier.reference})
    codes = [
        client.post(page, {"action": "message", "body": f"n°{n}"}).status_code for n in range(30)
    ]
    assert codes.count(302) == 10 and codes.count(429) == 20
    assert Message.objects.count() == 10


def test_the_api_per_token(client, limit):
    limit("api", "3/m")
    user = UserFactory()
    _, first = api_token_create(user=user, name="un")
    _, second = api_token_create(user=user, name="deux")
    for _ in range(3):
        assert (
            client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {first}").status_code
            == 200
        )
    refused = client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {first}")
    assert_429(refused)
    assert refused.json()["code"] == "throttled"
    # Another token has its own count.
    assert (
        client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {second}").status_code == 200
    )


def test_the_wait_is_said_in_words_in_both_languages():
    assert detail(30).endswith("Réessayez dans 30 secondes.")
    assert detail(1).endswith("Réessayez dans 1 seconde.")
    assert detail(600).endswith("Réessayez dans 10 minutes.")
    with translation.override("en"):
        assert detail(300) == (
            "Too many requests in a short time: to protect the service, this action is "
            "limited. Try again in 5 minutes."
        )


def test_the_public_pre_check_per_ip_address(client, limit):
    limit("precheck_ip", "2/m")
    call = CallFactory()
    url = f"/appels/{call.reference}/eligibilite/"
    assert client.get(url).status_code == 200
    assert client.get(url, {"verifier": "1", "department": "31"}).status_code == 200
    assert_429(client.get(url, {"verifier": "1", "department": "31"}))


def test_counters_are_in_the_database_shared_by_every_process(client, limit):
    limit("reset_ip", "5/h")
    client.post("/compte/mot-de-passe/oubli/", {"email": "a@example.org"})
    client.post("/compte/mot-de-passe/oubli/", {"email": "b@example.org"})
    counters = {c.key.split(":")[0]: c.count for c in RateCounter.objects.all()}
    assert counters == {"reset_address": 1, "reset_ip": 2}
    # Nothing personal in the key: a digest of who.
    assert not RateCounter.objects.filter(key__contains="example.org").exists()


def test_the_limits_can_be_switched_off(client, settings, limit):
    limit("reset_ip", "1/h")
    settings.PLANIA_RATE_LIMITS = False
    for n in range(3):
        response = client.post("/compte/mot-de-passe/oubli/", {"email": f"q{n}@example.org"})
        assert response.status_code == 302


def test_a_counter_in_its_own_transaction_does_not_wait_for_the_disk(transactional_db) -> None:
    """The counter's own commit is asynchronous (SET LOCAL synchronous_commit), and only
    there: inside a caller's transaction the setting is left alone."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from plania.security import ratelimit

    with CaptureQueriesContext(connection) as alone:
        ratelimit.hit("login_ip", "203.0.113.9")
    assert any("SET LOCAL synchronous_commit" in q["sql"] for q in alone.captured_queries)
    with transaction.atomic(), CaptureQueriesContext(connection) as inside:
        ratelimit.hit("login_ip", "203.0.113.10")
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"
    assert not any("SET LOCAL" in q["sql"] for q in inside.captured_queries)
