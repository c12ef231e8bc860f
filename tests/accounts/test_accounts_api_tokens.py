import hashlib
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plania.accounts.models import ApiToken
from plania.accounts.services import AccountError, api_token_create, api_token_revoke
from tests.companies.factories import MembershipFactory
from tests.factories import UserFactory
from tests.security.otp import otp_force_login

pytestmark = pytest.mark.django_db

ME = "/api/v1/accounts/me"


def bearer(plaintext: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}


def test_page_shows_the_secret_once_and_stores_only_its_hash(client, user):
    client.force_login(user)
    response = client.post("/compte/jetons/", {"name": "ERP export", "validity": "90"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    plaintext = re.search(r'value="(plania_[0-9a-f]{12}_[^"]+)" data-token', html).group(1)
    assert "il ne sera plus jamais affiché" in html

    token = ApiToken.objects.get(user=user)
    assert token.name == "ERP export"
    assert token.key_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert token.expires_on == timezone.localdate() + timedelta(days=90)
    secret = plaintext.split("_", 2)[2]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        row = " ".join(str(value) for value in cursor.fetchone())
    assert secret not in row and plaintext not in row

    html = client.get("/compte/jetons/").content.decode()
    assert plaintext not in html
    assert secret not in html
    assert f"plania_{token.key_prefix}_…" in html
    assert "ERP export" in html


def test_page_refuses_a_token_without_a_name(client, user):
    client.force_login(user)
    response = client.post("/compte/jetons/", {"name": "", "validity": "90"})
    assert response.status_code == 200
    assert 'id="id_name_error"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_bearer_token_authenticates_on_me(client, user):
    _, plaintext = api_token_create(user=user, name="script")
    response = client.get(ME, **bearer(plaintext))
    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "email": "camille.martin@example.org",
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email_verified": True,
        "language": "fr",
        "companies": 0,
    }


def test_me_counts_the_companies_the_person_acts_for(client, user):
    MembershipFactory(user=user)
    MembershipFactory(user=user, member=True)
    MembershipFactory(user=user, pending=True)  # not yet accepted: not counted
    _, plaintext = api_token_create(user=user, name="script")
    assert client.get(ME, **bearer(plaintext)).json()["companies"] == 2


def test_session_authenticates_on_me_and_anonymous_gets_401(client, unverified_user):
    assert client.get(ME).status_code == 401
    client.force_login(unverified_user)
    response = client.get(ME)
    assert response.status_code == 200
    assert response.json()["email_verified"] is False


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda token, plaintext: plaintext[:-1] + "x", id="wrong-secret"),
        pytest.param(lambda token, plaintext: "plania_zz_" + plaintext, id="malformed"),
        pytest.param(
            lambda token, plaintext: (api_token_revoke(token=token, actor=token.user), plaintext)[
                1
            ],
            id="revoked",
        ),
        pytest.param(
            lambda token, plaintext: (
                ApiToken.objects.filter(pk=token.pk).update(expires_on=timezone.localdate()),
                plaintext,
            )[1],
            id="expired-today",
        ),
        pytest.param(
            lambda token, plaintext: (
                type(token.user).objects.filter(pk=token.user_id).update(is_active=False),
                plaintext,
            )[1],
            id="user-deactivated",
        ),
    ],
)
def test_refused_tokens_get_401(client, user, spoil):
    token, plaintext = api_token_create(
        user=user, name="script", expires_on=timezone.localdate() + timedelta(days=1)
    )
    assert client.get(ME, **bearer(plaintext)).status_code == 200
    presented = spoil(token, plaintext)
    response = client.get(ME, **bearer(presented))
    assert response.status_code == 401


def test_a_bad_bearer_token_does_not_fall_back_to_the_session(client, user):
    client.force_login(user)
    assert client.get(ME, **bearer("plania_000000000000_nope")).status_code == 401


def test_last_used_at_is_written_at_most_once_a_minute(client, user):
    token, plaintext = api_token_create(user=user, name="script")
    assert token.last_used_at is None
    client.get(ME, **bearer(plaintext))
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None

    client.get(ME, **bearer(plaintext))
    token.refresh_from_db()
    assert token.last_used_at == first

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    client.get(ME, **bearer(plaintext))
    token.refresh_from_db()
    assert token.last_used_at > first


def test_revoke_from_the_page(client, user):
    token, plaintext = api_token_create(user=user, name="old script")
    client.force_login(user)
    assert client.get(f"/compte/jetons/{token.pk}/revoquer/").status_code == 405
    response = client.post(f"/compte/jetons/{token.pk}/revoquer/", follow=True)
    assert response.redirect_chain[-1][0] == "/compte/jetons/"
    assert "est révoqué" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == user
    client.logout()
    assert client.get(ME, **bearer(plaintext)).status_code == 401


def test_someone_elses_token_is_a_404(client, user):
    token, _ = api_token_create(user=UserFactory(), name="theirs")
    client.force_login(user)
    assert client.post(f"/compte/jetons/{token.pk}/revoquer/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert "theirs" not in client.get("/compte/jetons/").content.decode()


def test_revoke_rules(user):
    token, _ = api_token_create(user=user, name="script")
    with pytest.raises(AccountError) as refused:
        api_token_revoke(token=token, actor=UserFactory())
    assert refused.value.code == "not_owner"

    admin = UserFactory(staff=True)
    admin.user_permissions.add(Permission.objects.get(codename="delete_apitoken"))
    admin = type(admin).objects.get(pk=admin.pk)  # fresh permission cache
    revoked_at = api_token_revoke(token=token, actor=admin).revoked_at
    assert revoked_at is not None
    # Revoking twice keeps the first date.
    assert api_token_revoke(token=token, actor=user).revoked_at == revoked_at


def test_create_rules(user):
    with pytest.raises(AccountError) as refused:
        api_token_create(user=user, name="  ")
    assert refused.value.code == "name_required"
    with pytest.raises(AccountError) as refused:
        api_token_create(user=user, name="x", expires_on=timezone.localdate())
    assert refused.value.code == "expires_in_past"
    token, plaintext = api_token_create(user=user, name="  trimmed  ")
    # No date: the longest life, PLANIA_API_TOKEN_MAX_DAYS (90 by default).
    assert token.name == "trimmed"
    assert token.expires_on == timezone.localdate() + timedelta(days=90)
    assert plaintext.startswith(f"plania_{token.key_prefix}_")


def test_the_database_refuses_anything_but_a_sha256_in_key_hash(user):
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.create(user=user, name="x", key_prefix="abc", key_hash="plania_abc_s3cr3t")


def test_token_page_queries_do_not_grow_with_tokens(client, user, django_assert_num_queries):
    client.force_login(user)
    for i in range(2):
        api_token_create(user=user, name=f"t{i}")
    with django_assert_num_queries(3) as few:
        client.get("/compte/jetons/")
    for i in range(10):
        api_token_create(user=user, name=f"u{i}")
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get("/compte/jetons/")
    assert response.content.decode().count("data-token-id=") == 12


def test_a_use_within_the_minute_writes_nothing(client, user):
    _, plaintext = api_token_create(user=user, name="script")
    client.get(ME, **bearer(plaintext))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(ME, **bearer(plaintext)).status_code == 200
    # The rate limit's counter (plania.security.ratelimit) is the one write of an API call.
    assert not [
        q
        for q in queries.captured_queries
        if "UPDATE" in q["sql"].upper() and "security_ratecounter" not in q["sql"]
    ]


def test_openapi_declares_both_schemes_on_me(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["ApiTokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert schemes["SessionAuth"]["in"] == "cookie"
    security = spec["paths"]["/api/v1/accounts/me"]["get"]["security"]
    assert {"ApiTokenAuth": []} in security and {"SessionAuth": []} in security


@pytest.mark.urls("tests.accounts.urls_api_csrf")
def test_session_needs_csrf_on_unsafe_methods_a_token_does_not(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post("/csrf-test/echo").status_code == 403
    client.get("/compte/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post("/csrf-test/echo", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    assert response.json() == {"email": user.email}

    _, plaintext = api_token_create(user=user, name="script")
    bare = Client(enforce_csrf_checks=True)
    response = bare.post("/csrf-test/echo", **bearer(plaintext))
    assert response.status_code == 200
    assert response.json() == {"email": user.email}


def test_admin_lists_and_revokes_tokens_but_cannot_create_them(client, user):
    token, _ = api_token_create(user=user, name="script")
    admin = UserFactory(superuser=True)
    otp_force_login(client, admin)
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get(f"/admin/accounts/user/{user.pk}/change/").status_code == 200
    assert "script" in client.get("/admin/accounts/apitoken/").content.decode()
    assert client.get("/admin/accounts/apitoken/add/").status_code == 403
    response = client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == admin
