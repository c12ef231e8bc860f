from django.urls import include, path

from plania.web.plans import views as plan_views
from plania.web.schemes import views as scheme_views

app_name = "web"

urlpatterns = [
    path("", plan_views.plan_page, name="home"),
    path("plans/<slug:code>/", plan_views.plan_page, name="plan"),
    path("dispositifs/", scheme_views.scheme_list, name="schemes"),
    path(
        "dispositifs/<slug:identifier>/<str:version>/",
        scheme_views.scheme_detail,
        name="scheme",
    ),
    path("compte/", include("plania.web.accounts.urls")),
    path("entreprises/", include("plania.web.companies.urls")),
    path("", include("plania.web.applications.urls")),
]
