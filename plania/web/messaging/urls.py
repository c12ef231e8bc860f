"""Messages about dossiers. Each route declares who may use it (plania.accounts.access); the
thread's dossier comes from the person's visible dossiers, so another company's is 404.
"""

from django.urls import path

from plania.accounts.access import access
from plania.security.ratelimit import by_user, limited
from plania.web.messaging import views

urlpatterns = [
    path(
        "dossiers/<str:reference>/messages/",
        access("verified", objects="dossier.view")(
            limited(("messages", by_user))(views.message_thread)
        ),
        name="message_thread",
    ),
    path(
        "messages/",
        access("verified", objects="dossier.view")(views.message_inbox),
        name="message_inbox",
    ),
]
