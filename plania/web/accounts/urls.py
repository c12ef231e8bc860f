"""Account pages under /compte/ (names in the `web` namespace: `web:login`...).

Each route declares who may use it (plania.accounts.access; docs/accounts.md has the table).
"""

from django.urls import path

from plania.accounts.access import access
from plania.security.ratelimit import by_address, by_ip, limited
from plania.web.accounts import views
from plania.web.accounts.proconnect import ProConnectCallback, ProConnectLogin

public = access("public")
signed_in = access("authenticated")
own_tokens = access("authenticated", objects="account.own")

urlpatterns = [
    path("", signed_in(views.account), name="account"),
    path("inscription/", public(limited(("signup_ip", by_ip))(views.sign_up)), name="signup"),
    path("inscription/envoyee/", public(views.sign_up_done), name="signup_done"),
    path(
        "verification/renvoyer/",
        signed_in(views.verification_resend),
        name="verification_resend",
    ),
    path(
        "verifier/<str:token>/",
        access("public")(views.verify_email),
        name="verify_email",
    ),
    path(
        "connexion/", public(limited(("login_ip", by_ip))(views.LoginView.as_view())), name="login"
    ),
    # ProConnect (home with a message unless configured): to its log-in page, and back
    # with a code (counted with the log-ins from the same IP address).
    path("proconnect/", public(ProConnectLogin.as_view()), name="proconnect_login"),
    path(
        "proconnect/retour/",
        public(limited(("login_ip", by_ip))(ProConnectCallback.as_view())),
        name="proconnect_callback",
    ),
    # POST only; logs out whoever sends it, nobody else.
    path("deconnexion/", public(views.LogoutView.as_view()), name="logout"),
    path("mot-de-passe/", signed_in(views.PasswordChangeView.as_view()), name="password_change"),
    path(
        "mot-de-passe/oubli/",
        public(
            limited(("reset_address", by_address("email")), ("reset_ip", by_ip))(
                views.PasswordResetView.as_view()
            )
        ),
        name="password_reset",
    ),
    path(
        "mot-de-passe/oubli/envoye/",
        public(views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/reinitialiser/<uidb64>/<token>/",
        access("public")(views.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/reinitialise/",
        public(views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
    path("jetons/", own_tokens(views.api_tokens), name="api_tokens"),
    path(
        "jetons/<int:pk>/revoquer/",
        own_tokens(views.api_token_revoke_view),
        name="api_token_revoke",
    ),
]
