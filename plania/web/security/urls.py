"""Second-factor pages under /securite/ (names in the `web` namespace).

Both are for a signed-in person, about their own device only; a staff member reaches
them before the second factor (plania.security.middleware.otp_exempt)."""

from django.urls import path

from plania.accounts.access import access
from plania.security.middleware import otp_exempt
from plania.web.security import views

own_device = access("authenticated", objects="account.own")

urlpatterns = [
    path("otp/", otp_exempt(own_device(views.otp_verify)), name="otp_verify"),
    path("otp/configuration/", otp_exempt(own_device(views.otp_setup)), name="otp_setup"),
]
