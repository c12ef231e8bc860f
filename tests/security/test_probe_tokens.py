"""Issue 13 item 9: API tokens have a scope (read, read-write), a maximum lifetime, and die
with the rights they were made under: a password change (any path), a role or a company
membership removed. The probe found tokens with no scope that survived a password change."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from ninja.errors import HttpError

from plania.accounts.auth import ApiTokenAuth
from plania.accounts.models import ApiToken, ApiTokenScope
from plania.accounts.roles import Role
from plania.accounts.services import AccountError, api_token_create, revoke_api_tokens
from plania.companies.enums import MembershipStatus
from tests.companies.factories import CompanyFactory, MembershipFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/accounts/me"
PASSWORD = "correct horse battery staple"
NEW = "un tout nouveau mot de passe"


# One operation per writing method (the dossier does not exist: past the scope, 404).
WRITES = [
    ("post", "/api/v1/messages/SID-2025-99999"),
    ("patch", "/api/v1/applications/SID-2025-99999"),
    ("put", "/api/v1/instruction/dossiers/SID-2025-99999/review"),
    ("delete", "/api/v1/documents/SID-2025-99999/00000000-0000-0000-0000-000000000000"),
]


def bearer(plaintext):
    return {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}


@pytest.fixture
def user(db):
    return UserFactory(email="camille@example.org", email_verified_at=timezone.now())


@pytest.fixture
def officer(user):
    Group.objects.get_or_create(name=Role.OFFICER)[0].user_set.add(user)
    return user


def works(client, plaintext):
    return client.get(ME, **bearer(plaintext)).status_code == 200


# Scope ----------------------------------------------------------------------------------


def test_a_read_token_reads_but_cannot_write(client, officer):
    user = officer
    token, plaintext = api_token_create(user=user, name="lecture", scope=ApiTokenScope.READ)
    assert works(client, plaintext)
    for method, url in WRITES:
        response = getattr(client, method)(
            url, {}, content_type="application/json", **bearer(plaintext)
        )
        assert response.status_code == 403, (method, response.content)
        body = response.json()
        assert body["code"] == "forbidden"
        assert "Ce jeton est en lecture seule" in body["detail"]


def test_the_read_refusal_speaks_english(rf, user):
    # The API answers in French (its paths have no language prefix); the message is
    # translated all the same, for English pages and a future per-person language.
    _, plaintext = api_token_create(user=user, name="lecture", scope=ApiTokenScope.READ)
    with translation.override("en"), pytest.raises(HttpError) as refused:
        ApiTokenAuth().authenticate(rf.post("/api/v1/messages/x"), plaintext)
    assert refused.value.status_code == 403
    assert "This token is read-only" in str(refused.value)


def test_a_read_write_token_may_write(client, officer):
    user = officer
    _, plaintext = api_token_create(user=user, name="rw", scope=ApiTokenScope.READ_WRITE)
    for method, url in WRITES:
        response = getattr(client, method)(
            url, {}, content_type="application/json", **bearer(plaintext)
        )
        # Past authentication and scope: the operation answers (404, 422...).
        assert response.status_code not in {401, 403}, (method, response.content)


def test_the_page_makes_read_tokens_by_default_and_shows_scope_and_expiry(client, user):
    client.force_login(user)
    response = client.post("/compte/jetons/", {"name": "export", "validity": "30"})
    html = response.content.decode()
    token = ApiToken.objects.get()
    assert token.scope == ApiTokenScope.READ
    assert token.expires_on == timezone.localdate() + timedelta(days=30)
    assert "Portée : lecture seule." in html
    assert 'data-scope="read"' in html
    assert 'name="scope"' in html
    client.post("/compte/jetons/", {"name": "écrit", "validity": "90", "scope": "read-write"})
    assert ApiToken.objects.get(name="écrit").scope == ApiTokenScope.READ_WRITE


# Lifetime -----------------------------------------------------------------------------


def test_an_expired_token_is_refused(client, user):
    token, plaintext = api_token_create(user=user, name="x")
    assert works(client, plaintext)
    ApiToken.objects.filter(pk=token.pk).update(expires_on=timezone.localdate())
    response = client.get(ME, **bearer(plaintext))
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_no_token_lives_past_the_maximum_even_one_made_without_expiry(client, user, settings):
    token, plaintext = api_token_create(user=user, name="ancien")
    # A token made before the limit existed had no expiry.
    ApiToken.objects.filter(pk=token.pk).update(
        expires_on=None, created_at=timezone.now() - timedelta(days=91)
    )
    assert not works(client, plaintext)
    settings.PLANIA_API_TOKEN_MAX_DAYS = 365
    assert works(client, plaintext)


def test_a_token_cannot_be_made_for_longer_than_the_maximum(user, settings):
    settings.PLANIA_API_TOKEN_MAX_DAYS = 30
    with pytest.raises(AccountError) as refused:
        api_token_create(user=user, name="x", expires_on=timezone.localdate() + timedelta(days=31))
    assert refused.value.code == "expires_too_late"
    token, _ = api_token_create(user=user, name="y")
    assert token.expires_on == timezone.localdate() + timedelta(days=30)


def test_the_page_offers_nothing_past_the_maximum(client, user, settings):
    settings.PLANIA_API_TOKEN_MAX_DAYS = 30
    client.force_login(user)
    html = client.get("/compte/jetons/").content.decode()
    assert re.findall(r'name="validity"[^>]*>|<option value="(\d+)"', html)
    assert 'value="90"' not in html and 'value="365"' not in html and 'value="30"' in html
    assert client.post("/compte/jetons/", {"name": "x", "validity": "365"}).status_code == 200
    assert not ApiToken.objects.exists()


# Revocation ---------------------------------------------------------------------------


def test_changing_the_password_on_the_page_revokes_the_tokens(client, user):
    token, plaintext = api_token_create(user=user, name="script")
    client.force_login(user)
    response = client.post(
        "/compte/mot-de-passe/",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302
    assert not works(client, plaintext)
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_reason == "password"
    page = client.get("/compte/jetons/").content.decode()
    assert "mot de passe changé" in page


def test_a_password_reset_revokes_the_tokens(client, user):
    _, plaintext = api_token_create(user=user, name="script")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = f"/compte/mot-de-passe/reinitialiser/{uid}/{default_token_generator.make_token(user)}/"
    form = client.get(link)["Location"]
    client.post(form, {"new_password1": NEW, "new_password2": NEW})
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert not works(client, plaintext)


def test_set_password_anywhere_revokes_but_a_rehash_at_login_does_not(client, user):
    _, plaintext = api_token_create(user=user, name="script")
    # check_password() re-hashes with the current hasher and saves: not a change.
    user.check_password(PASSWORD)
    user.save()
    assert works(client, plaintext)
    user.set_password(NEW)
    user.save()
    assert not works(client, plaintext)


def test_removing_a_role_revokes_from_either_side(client, user):
    officers = Group.objects.get_or_create(name=Role.OFFICER)[0]
    user.groups.add(officers)
    _, first = api_token_create(user=user, name="un")
    user.groups.remove(officers)
    assert not works(client, first)
    user.groups.add(officers)
    _, second = api_token_create(user=user, name="deux")
    officers.user_set.remove(user)
    assert not works(client, second)
    user.groups.add(officers)
    _, third = api_token_create(user=user, name="trois")
    user.groups.clear()
    assert not works(client, third)


def test_adding_a_role_revokes_nothing(client, user):
    _, plaintext = api_token_create(user=user, name="un")
    user.groups.add(Group.objects.get_or_create(name=Role.EXPERT)[0])
    assert works(client, plaintext)


def test_losing_staff_status_revokes(client, user):
    user.is_staff = True
    user.save()
    _, plaintext = api_token_create(user=user, name="un")
    user.is_staff = False
    user.save()
    assert not works(client, plaintext)


def test_a_membership_removed_or_suspended_revokes(client, user):
    membership = MembershipFactory(user=user, company=CompanyFactory(), member=True)
    _, first = api_token_create(user=user, name="un")
    via = membership.verified_via
    membership.status, membership.verified_via = MembershipStatus.PENDING, ""
    membership.save()
    assert not works(client, first)
    membership.status, membership.verified_via = MembershipStatus.ACTIVE, via
    membership.save()
    _, second = api_token_create(user=user, name="deux")
    membership.delete()
    assert not works(client, second)


def test_asking_to_join_another_company_revokes_nothing(client, user):
    _, plaintext = api_token_create(user=user, name="un")
    MembershipFactory(user=user, company=CompanyFactory(), pending=True)
    assert works(client, plaintext)


def test_revoke_api_tokens_is_for_any_room(client, user):
    _, plaintext = api_token_create(user=user, name="un")
    assert revoke_api_tokens(user, "role") == 1
    assert revoke_api_tokens(user.pk, "role") == 0
    assert not works(client, plaintext)
