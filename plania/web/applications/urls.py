"""The applicant's pages, at the site root (French paths; /en/... in English)."""

from django.urls import path

from plania.accounts.access import access
from plania.security.ratelimit import by_ip, limited
from plania.web.applications import views

MEMBER = "dossier.applicant"

urlpatterns = [
    path("appels/", access("public")(views.call_list), name="calls"),
    path("appels/<slug:call>/", access("public")(views.call_detail), name="call"),
    path(
        "appels/<slug:call>/eligibilite/",
        access("public")(
            limited(("precheck_ip", by_ip), methods=("GET", "POST"))(views.call_precheck)
        ),
        name="call_precheck",
    ),
    path(
        "appels/<slug:call>/nouveau-dossier/",
        access("verified", objects="company.member")(views.application_create),
        name="application_create",
    ),
    path(
        "dossiers/",
        access("verified", objects="dossier.applicant")(views.application_list),
        name="applications",
    ),
    path(
        "dossiers/<str:reference>/",
        access("verified", objects=MEMBER)(views.application_detail),
        name="application",
    ),
    path(
        "dossiers/<str:reference>/formulaire/",
        access("verified", objects=MEMBER)(views.application_edit),
        name="application_edit",
    ),
    path(
        "dossiers/<str:reference>/enregistrement-automatique/",
        access("verified", objects=MEMBER)(views.application_autosave),
        name="application_autosave",
    ),
    path(
        "dossiers/<str:reference>/depot/",
        access("verified", objects=MEMBER)(views.application_submit),
        name="application_submit",
    ),
    path(
        "dossiers/<str:reference>/accuse-de-reception/",
        access("verified", objects=MEMBER)(views.application_receipt),
        name="application_receipt",
    ),
    path(
        "dossiers/<str:reference>/retrait/",
        access("verified", objects=MEMBER)(views.application_withdraw),
        name="application_withdraw",
    ),
    path(
        "dossiers/<str:reference>/complements/",
        access("verified", objects=MEMBER)(views.application_answer),
        name="application_answer",
    ),
]
