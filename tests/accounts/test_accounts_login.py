import re

import pytest
from django.core import mail
from django.urls import resolve

from plania.accounts.models import User
from tests.accounts.conftest import PASSWORD, STRONG, links_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def log_in(client, email, password=PASSWORD, **extra):
    return client.post("/compte/connexion/", {"username": email, "password": password, **extra})


def test_login_by_email_in_any_case_then_logout(client, user):
    response = log_in(client, "Camille.MARTIN@example.org")
    assert response.status_code == 302
    assert response["Location"] == "/compte/"
    assert int(client.session["_auth_user_id"]) == user.pk

    html = client.get("/compte/").content.decode()
    # The header's account menu: the address, the tokens link, a logout form with CSRF.
    nav = html.split('class="account-nav"', 1)[1].split("</nav>", 1)[0]
    assert "camille.martin@example.org" in nav
    assert 'href="/compte/jetons/"' in nav
    assert re.search(r'<form id="logout-form" method="post" action="/compte/deconnexion/"', nav)
    assert 'name="csrfmiddlewaretoken"' in nav
    assert "vérifiée" in html

    assert client.get("/compte/deconnexion/").status_code == 405
    response = client.post("/compte/deconnexion/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" not in client.session
    assert client.get("/compte/").status_code == 302


def test_login_keeps_a_safe_next(client, user):
    response = log_in(client, user.email, next="/dispositifs/")
    assert response["Location"] == "/dispositifs/"
    client.logout()
    response = log_in(client, user.email, next="https://evil.example.com/")
    assert response["Location"] == "/compte/"


def test_wrong_password_or_unknown_address_gives_one_message(client, user):
    for email, password in [(user.email, "wrong password!"), ("nobody@example.org", PASSWORD)]:
        response = log_in(client, email, password)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Adresse e-mail ou mot de passe incorrect." in html
        assert f'value="{email}"' in html
        assert "_auth_user_id" not in client.session


def test_deactivated_account_cannot_log_in(client):
    UserFactory(email="gone@example.org", is_active=False)
    response = log_in(client, "gone@example.org")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_admin_accounts_still_log_in_by_username(client):
    admin = UserFactory(username="admin", email="admin@example.org", superuser=True)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "admin", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == admin.pk


def test_anonymous_header_offers_login_and_sign_up(client, db):
    html = client.get("/compte/connexion/").content.decode()
    nav = html.split('class="account-nav"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/compte/connexion/"' in nav
    assert 'href="/compte/inscription/"' in nav
    assert "logout-form" not in nav


def test_english_login_page(client, db):
    response = client.get("/en/compte/connexion/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert 'action="/en/compte/connexion/"' in html
    assert re.search(r'<input type="email" name="username"[^>]*autocomplete="email"', html)
    assert re.search(r'<input type="password" name="password"', html)
    assert 'href="/en/compte/mot-de-passe/oubli/"' in html
    assert 'href="/en/compte/inscription/"' in html
    assert '<label for="id_username">' in html


def test_password_change(client, user):
    client.force_login(user)
    response = client.post(
        "/compte/mot-de-passe/",
        {"old_password": PASSWORD, "new_password1": STRONG, "new_password2": STRONG},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/compte/"
    assert "Votre mot de passe a été changé." in response.content.decode()
    # Still signed in (Django updates the session hash), and the new password works.
    assert int(client.session["_auth_user_id"]) == user.pk
    client.logout()
    assert log_in(client, user.email, STRONG).status_code == 302


def test_password_change_refuses_a_weak_password(client, user):
    client.force_login(user)
    response = client.post(
        "/compte/mot-de-passe/",
        {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert response.status_code == 200
    assert 'id="id_new_password2_error"' in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_reset_end_to_end(client, user):
    response = client.post("/compte/mot-de-passe/oubli/", {"email": "CAMILLE.martin@example.org"})
    assert response.status_code == 302
    assert response["Location"] == "/compte/mot-de-passe/oubli/envoye/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert "nouveau mot de passe" in message.subject
    [link] = [p for p in links_in(message) if "/reinitialiser/" in p]

    response = client.get(link)
    # Django swaps the token for a session marker, then shows the form.
    assert response.status_code == 302
    set_password_url = response["Location"]
    assert set_password_url.endswith("/set-password/")
    html = client.get(set_password_url).content.decode()
    assert 'name="new_password1"' in html

    response = client.post(set_password_url, {"new_password1": STRONG, "new_password2": STRONG})
    assert response.status_code == 302
    assert response["Location"] == "/compte/mot-de-passe/reinitialise/"
    assert "Se connecter" in client.get(response["Location"]).content.decode()

    user.refresh_from_db()
    assert user.check_password(STRONG)
    assert log_in(client, user.email, STRONG).status_code == 302
    # The link served once.
    client.logout()
    html = client.get(link, follow=True).content.decode()
    assert "Ce lien n'est pas valide" in html


def test_password_reset_for_an_unknown_address_looks_the_same(client, db):
    response = client.post("/compte/mot-de-passe/oubli/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert response["Location"] == "/compte/mot-de-passe/oubli/envoye/"
    assert mail.outbox == []
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    "path",
    [
        "/en/compte/inscription/",
        "/en/compte/inscription/envoyee/",
        "/en/compte/mot-de-passe/oubli/",
        "/en/compte/mot-de-passe/oubli/envoye/",
        "/en/compte/mot-de-passe/reinitialise/",
        "/en/compte/verifier/not-a-token/",
    ],
)
def test_anonymous_pages_render_in_english(client, db, path):
    response = client.get(path)
    assert response.status_code in (200, 400)
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert 'href="/en/compte/connexion/"' in html


@pytest.mark.parametrize("path", ["/en/compte/", "/en/compte/mot-de-passe/", "/en/compte/jetons/"])
def test_signed_in_pages_render_in_english(client, unverified_user, path):
    client.force_login(unverified_user)
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert 'action="/en/compte/deconnexion/"' in html
    # Every visible input has a label.
    ids = re.findall(r'<input type="(?:text|email|password)"[^>]* id="([^"]+)"', html)
    assert len(ids) == {"/en/compte/": 0, "/en/compte/mot-de-passe/": 3}.get(path, 1)
    for input_id in ids:
        assert f'<label for="{input_id}">' in html


@pytest.mark.parametrize(
    ("path", "who"),
    [
        ("/compte/", "authenticated"),
        ("/compte/inscription/", "public"),
        ("/compte/verifier/x/", "public"),
        ("/compte/verification/renvoyer/", "authenticated"),
        ("/compte/connexion/", "public"),
        ("/compte/deconnexion/", "public"),
        ("/compte/mot-de-passe/", "authenticated"),
        ("/compte/mot-de-passe/oubli/", "public"),
        ("/compte/jetons/", "authenticated"),
        ("/compte/jetons/1/revoquer/", "authenticated"),
    ],
)
def test_account_routes_declare_their_access_policy(path, who):
    assert resolve(path).func.access_policy.who == who


@pytest.mark.parametrize("path", ["/compte/", "/compte/mot-de-passe/", "/compte/jetons/"])
def test_signed_in_pages_send_anonymous_visitors_to_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/compte/connexion/?next={path}"
