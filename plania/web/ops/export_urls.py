"""Background exports under /exports/ (names in the `web` namespace)."""

from django.urls import path

from plania.accounts.access import access
from plania.web.ops import views

own_exports = access(
    "authenticated",
    objects="the exports the person asked for, while a role of theirs may ask for that kind",
)

urlpatterns = [
    path("", own_exports(views.export_list), name="exports"),
    path("<uuid:public_id>/", own_exports(views.export_detail), name="export"),
    path("<uuid:public_id>/fichier/", own_exports(views.export_file), name="export_file"),
]
