from django.urls import path

from plania.accounts.access import access
from plania.ops import health

urlpatterns = [
    path("", access("public")(health.alive), name="health"),
    path("pret/", access("public")(health.ready), name="ready"),
]
