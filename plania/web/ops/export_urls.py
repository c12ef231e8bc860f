"""Background exports under /exports/ (names in the `web` namespace)."""

from django.urls import path

from plania.accounts.access import access
from plania.web.ops import views

own_exports = access(
    "authenticated",
    objects="account.own",
)

urlpatterns = [
    path("", own_exports(views.export_list), name="exports"),
    path("<uuid:public_id>/", own_exports(views.export_detail), name="export"),
    path("<uuid:public_id>/fichier/", own_exports(views.export_file), name="export_file"),
]
