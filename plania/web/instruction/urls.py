"""The officers' workbench and the experts' pages, under /instruction/ (/en/instruction/
in English). Each route declares who may use it (plania.accounts.access): officers reach the
filed dossiers of the schemes assigned to them, experts the dossiers they are invited on;
anything else is 404.
"""

from django.urls import path

from plania.accounts.access import access
from plania.web.instruction import views

OFFICER = "dossier.instruct"
officer = access("officer", objects=OFFICER)
expert = access("expert", objects="instruction.invitation")

urlpatterns = [
    path(
        "",
        access("officer", objects="instruction.scheme")(views.overview),
        name="instruction",
    ),
    path("dispositifs/<slug:scheme>/", officer(views.queue_page), name="instruction_queue"),
    path(
        "dispositifs/<slug:scheme>/actions/",
        officer(views.queue_bulk),
        name="instruction_queue_bulk",
    ),
    path("dossiers/<str:reference>/", officer(views.dossier), name="instruction_dossier"),
    path(
        "dossiers/<str:reference>/instruire/",
        officer(views.dossier_start_review),
        name="instruction_start_review",
    ),
    path(
        "dossiers/<str:reference>/prendre-en-charge/",
        officer(views.dossier_assign),
        name="instruction_assign",
    ),
    path(
        "dossiers/<str:reference>/complements/",
        officer(views.dossier_request_missing),
        name="instruction_request_missing",
    ),
    path(
        "dossiers/<str:reference>/notes-internes/",
        officer(views.dossier_note),
        name="instruction_note",
    ),
    path(
        "dossiers/<str:reference>/synthese/",
        officer(views.dossier_review),
        name="instruction_review",
    ),
    path(
        "dossiers/<str:reference>/experts/",
        officer(views.dossier_invite),
        name="instruction_invite",
    ),
    path(
        "dossiers/<str:reference>/proposition/",
        officer(views.dossier_propose),
        name="instruction_propose",
    ),
    path(
        "dossiers/<str:reference>/pieces/<uuid:public_id>/",
        officer(views.dossier_attachment),
        name="instruction_attachment",
    ),
    path(
        "expertises/",
        access("expert", objects="instruction.invitation")(views.expertise_list),
        name="instruction_expertises",
    ),
    path("expertises/<str:reference>/", expert(views.expertise), name="instruction_expertise"),
    path(
        "expertises/<str:reference>/declaration/",
        expert(views.expertise_declare),
        name="instruction_declare",
    ),
    path(
        "expertises/<str:reference>/avis/",
        expert(views.expertise_opinion),
        name="instruction_opinion",
    ),
    path(
        "expertises/<str:reference>/notes-internes/",
        expert(views.expertise_note),
        name="instruction_expert_note",
    ),
    path(
        "expertises/<str:reference>/notes-des-experts/",
        expert(views.expertise_scores),
        name="instruction_scores",
    ),
    path(
        "expertises/<str:reference>/pieces/<uuid:public_id>/",
        expert(views.expertise_attachment),
        name="instruction_expert_attachment",
    ),
]
