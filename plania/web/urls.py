from django.urls import path

from plania.web.plans import views as plan_views

app_name = "web"

urlpatterns = [
    path("", plan_views.plan_page, name="home"),
    path("plans/<slug:code>/", plan_views.plan_page, name="plan"),
]
