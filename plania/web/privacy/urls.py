"""Personal data pages under /compte/ (names in the `web` namespace)."""

from django.urls import path

from plania.accounts.access import access
from plania.web.privacy import views

own_data = access("authenticated", objects="account.own")

urlpatterns = [
    path("mes-donnees/", own_data(views.my_data), name="my_data"),
    path("mes-donnees/telecharger/", own_data(views.my_data_download), name="my_data_download"),
]
