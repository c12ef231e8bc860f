from django.urls import include, path

from plania.accounts.access import access
from plania.web.plans import views as plan_views
from plania.web.schemes import views as scheme_views

app_name = "web"

urlpatterns = [
    path("", access("public")(plan_views.plan_page), name="home"),
    path("plans/<slug:code>/", access("public")(plan_views.plan_page), name="plan"),
    path("dispositifs/", access("public")(scheme_views.scheme_list), name="schemes"),
    path(
        "dispositifs/<slug:identifier>/<str:version>/",
        access("public")(scheme_views.scheme_detail),
        name="scheme",
    ),
    path("compte/", include("plania.web.accounts.urls")),
    path("compte/", include("plania.web.privacy.urls")),
    path("entreprises/", include("plania.web.companies.urls")),
    path("securite/", include("plania.web.security.urls")),
    path("", include("plania.web.applications.urls")),
    path("", include("plania.web.documents.urls")),
    path("", include("plania.web.messaging.urls")),
    path("instruction/", include("plania.web.instruction.urls")),
    path("aides/", include("plania.web.awards.urls")),
    path("pilotage/", include("plania.web.steering.urls")),
    path("", include("plania.web.opendata.urls")),
    path("sante/", include("plania.web.ops.urls")),
    path("exports/", include("plania.web.ops.export_urls")),
]
