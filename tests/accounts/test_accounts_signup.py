import time
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.html import escape

from plania.accounts.models import User
from plania.accounts.services import (
    AccountError,
    user_sign_up,
    user_verification_send,
    user_verify_email,
)
from plania.accounts.tokens import email_verification_token_make
from tests.accounts.conftest import STRONG, links_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def sign_up_data(**overrides):
    return {
        "email": "Dominique.Petit@Example.org",
        "first_name": "Dominique",
        "last_name": "Petit",
        "password1": STRONG,
        "password2": STRONG,
        "consent": "on",
        **overrides,
    }


def test_sign_up_sends_one_mail_whose_link_verifies(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/compte/inscription/", sign_up_data())
    assert response.status_code == 302
    assert response["Location"] == "/compte/inscription/envoyee/"

    user = User.objects.get(email="dominique.petit@example.org")
    assert user.is_active and not user.email_verified and user.language == "fr"
    assert user.check_password(STRONG)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dominique.petit@example.org"]
    assert "vérifiez votre adresse" in message.subject
    [link] = [p for p in links_in(message) if p.startswith("/compte/verifier/")]
    # The link does not carry the address (links end up in logs).
    payload = link.split("/")[-2].split(":")[0]
    assert b"dominique" not in signing.b64_decode(payload.encode()).lower()

    done = client.get(response["Location"]).content.decode()
    assert "dominique.petit@example.org" in done

    response = client.get(link)
    assert response.status_code == 200
    assert "Adresse vérifiée" in response.content.decode()
    user.refresh_from_db()
    assert user.email_verified_at is not None
    assert user.email_verified


def test_sign_up_mail_waits_for_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        user = user_sign_up(
            email="a@example.org", password=STRONG, first_name="A", last_name="B", language="fr"
        )
    assert user is not None
    assert mail.outbox == []
    assert len(callbacks) == 1


def test_sign_up_in_english_mails_an_english_link(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/en/compte/inscription/", sign_up_data())
    user = User.objects.get(email="dominique.petit@example.org")
    assert user.language == "en"
    [link] = [p for p in links_in(mail.outbox[0]) if "/verifier/" in p]
    assert link.startswith("/en/compte/verifier/")
    assert client.get(link).status_code == 200


def test_existing_address_is_not_revealed_and_its_owner_is_told(
    client, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new = client.post("/compte/inscription/", sign_up_data(email="new.person@example.org"))
    new_page = client.get(new["Location"]).content.decode()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        # Same address, other case: still the existing account.
        existing = client.post(
            "/compte/inscription/", sign_up_data(email="Camille.Martin@example.org")
        )
    existing_page = client.get(existing["Location"]).content.decode()

    assert existing.status_code == new.status_code == 302
    assert existing["Location"] == new["Location"]
    assert existing_page.replace("camille.martin@example.org", "new.person@example.org") == (
        new_page
    )
    assert User.objects.filter(email__iexact="camille.martin@example.org").count() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["camille.martin@example.org"]
    assert "déjà un compte" in message.subject
    assert not [p for p in links_in(message) if "/verifier/" in p]
    assert "/compte/mot-de-passe/oubli/" in links_in(message)
    user.refresh_from_db()
    assert user.check_password("correct horse battery staple")


def test_existing_address_mails_at_most_once_in_a_while(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            assert (
                user_sign_up(
                    email=user.email, password=STRONG, first_name="X", last_name="Y", language="fr"
                )
                is None
            )
    assert len(mail.outbox) == 1


def test_weak_password_shows_the_validators_messages_beside_the_field(client):
    data = sign_up_data(password1="dominique1", password2="dominique1")
    response = client.post("/compte/inscription/", data)
    assert response.status_code == 200
    html = response.content.decode()

    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        validate_password(
            "dominique1",
            user=User(
                email="dominique.petit@example.org", first_name="Dominique", last_name="Petit"
            ),
        )
    expected = refused.value.messages
    assert len(expected) >= 2  # too short and too similar to the first name
    errors_block = html.split('id="id_password1_error"', 1)[1].split("</ul>", 1)[0]
    for message in expected:
        assert escape(message) in errors_block
    assert 'aria-describedby="id_password1_helptext id_password1_error"' in html
    assert 'aria-invalid="true"' in html
    # What was typed is kept, except the passwords.
    assert 'value="Dominique.Petit@Example.org"' in html
    assert 'value="Dominique"' in html
    assert "dominique1" not in html
    assert not User.objects.filter(email="dominique.petit@example.org").exists()
    assert mail.outbox == []


def test_other_sign_up_errors_are_listed_and_shown_beside_their_field(client):
    response = client.post(
        "/compte/inscription/",
        sign_up_data(email="not-an-address", password2="something-else-entirely", consent=""),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_email_error"' in html
    assert 'id="id_password2_error"' in html
    assert "Les deux mots de passe ne sont pas identiques." in html
    assert 'id="id_consent_error"' in html
    assert "Votre accord est nécessaire pour créer un compte." in html
    assert 'class="notice error-summary"' in html
    assert User.objects.count() == 0


def test_expired_link_is_refused_with_a_clear_message(client, unverified_user):
    four_days_ago = signing.b62_encode(int(time.time()) - 4 * 24 * 3600)
    with mock.patch.object(signing.TimestampSigner, "timestamp", return_value=four_days_ago):
        token = email_verification_token_make(
            user_id=unverified_user.pk, email=unverified_user.email
        )
    response = client.get(f"/compte/verifier/{token}/")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-code="expired"' in html
    assert "Ce lien de vérification a expiré." in html
    unverified_user.refresh_from_db()
    assert not unverified_user.email_verified


def test_link_of_two_days_ago_still_works(unverified_user):
    two_days_ago = signing.b62_encode(int(time.time()) - 2 * 24 * 3600)
    with mock.patch.object(signing.TimestampSigner, "timestamp", return_value=two_days_ago):
        token = email_verification_token_make(
            user_id=unverified_user.pk, email=unverified_user.email
        )
    assert user_verify_email(token=token).email_verified


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: "x" + t,
        lambda t: "not-a-token",
    ],
)
def test_tampered_link_is_refused_with_a_clear_message(client, unverified_user, tamper):
    token = email_verification_token_make(user_id=unverified_user.pk, email=unverified_user.email)
    response = client.get(f"/compte/verifier/{tamper(token)}/")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-code="invalid"' in html
    assert "Ce lien de vérification n&#x27;est pas valide." in html
    unverified_user.refresh_from_db()
    assert not unverified_user.email_verified


def test_link_signed_for_another_user_id_is_refused(unverified_user):
    other = UserFactory()
    # A genuine signature, but for the other account's id and this account's address.
    token = email_verification_token_make(user_id=other.pk, email=unverified_user.email)
    with pytest.raises(AccountError) as refused:
        user_verify_email(token=token)
    assert refused.value.code == "invalid"


def test_link_for_a_former_address_is_refused(unverified_user):
    token = email_verification_token_make(user_id=unverified_user.pk, email=unverified_user.email)
    unverified_user.email = "new.address@example.org"
    unverified_user.save()
    with pytest.raises(AccountError) as refused:
        user_verify_email(token=token)
    assert refused.value.code == "invalid"


def test_verification_is_idempotent(unverified_user):
    token = email_verification_token_make(user_id=unverified_user.pk, email=unverified_user.email)
    first = user_verify_email(token=token).email_verified_at
    assert user_verify_email(token=token).email_verified_at == first


def test_resend_link(client, unverified_user, django_capture_on_commit_callbacks):
    client.force_login(unverified_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/compte/verification/renvoyer/", follow=True)
    assert response.redirect_chain[-1][0] == "/compte/"
    assert "Un nouveau lien de vérification a été envoyé" in response.content.decode()
    assert len(mail.outbox) == 1
    [link] = [p for p in links_in(mail.outbox[0]) if "/verifier/" in p]

    # A second request right away is refused, without a mail.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/compte/verification/renvoyer/", follow=True)
    assert "Attendez quelques minutes" in response.content.decode()
    assert len(mail.outbox) == 1

    # Some minutes later it works again.
    User.objects.filter(pk=unverified_user.pk).update(
        account_email_sent_at=timezone.now() - timedelta(minutes=3)
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/compte/verification/renvoyer/")
    assert len(mail.outbox) == 2

    assert client.get(link).status_code == 200
    with pytest.raises(AccountError) as refused:
        user_verification_send(user=User.objects.get(pk=unverified_user.pk))
    assert refused.value.code == "already_verified"


def test_resend_needs_login_and_post(client, unverified_user):
    response = client.post("/compte/verification/renvoyer/")
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/connexion/?next=")
    client.force_login(unverified_user)
    assert client.get("/compte/verification/renvoyer/").status_code == 405


def test_unverified_user_can_log_in_and_is_told_to_verify(client, unverified_user):
    response = client.post(
        "/compte/connexion/",
        {"username": unverified_user.email, "password": "correct horse battery staple"},
        follow=True,
    )
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/compte/"
    assert "pas encore vérifiée" in html
    assert "non vérifiée" in html
    assert 'action="/compte/verification/renvoyer/"' in html


@pytest.mark.urls("tests.accounts.urls_verified")
def test_require_verified_email(client, user, unverified_user):
    response = client.get("/applicant-only/")
    assert response.status_code == 302
    assert response["Location"] == "/compte/connexion/?next=/applicant-only/"

    client.force_login(unverified_user)
    response = client.get("/applicant-only/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Adresse e-mail à vérifier" in html
    assert 'name="next" value="/applicant-only/"' in html
    response = client.post(
        "/compte/verification/renvoyer/", {"next": "/applicant-only/"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/applicant-only/"
    assert "Un nouveau lien de vérification a été envoyé" in response.content.decode()

    client.force_login(user)
    response = client.get("/applicant-only/")
    assert response.status_code == 200
    assert response.content == b"applicant page"


def test_signed_in_person_visiting_sign_up_goes_to_their_account(client, user):
    client.force_login(user)
    response = client.get("/compte/inscription/")
    assert response.status_code == 302
    assert response["Location"] == "/compte/"
