"""A dossier's documents. Each route declares who may use it (plania.accounts.access); the
view fetches the dossier from the person's visible dossiers, so another company's is 404.
"""

from django.urls import path

from plania.accounts.access import access
from plania.web.documents import views

dossier = access("verified", objects="dossier.view")

urlpatterns = [
    path(
        "dossiers/<str:reference>/pieces/",
        dossier(views.attachment_list),
        name="attachments",
    ),
    path(
        "dossiers/<str:reference>/pieces/<uuid:public_id>/",
        dossier(views.attachment_download),
        name="attachment_download",
    ),
    path(
        "dossiers/<str:reference>/pieces/<uuid:public_id>/supprimer/",
        access(
            "verified",
            objects="dossier.applicant",
        )(views.attachment_remove),
        name="attachment_delete",
    ),
]
