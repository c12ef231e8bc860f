"""Reads: the documents of a dossier, one attachment for download."""

from typing import Any

from django.db.models import QuerySet

from plania.documents.models import Attachment


def dossier_documents(application: Any) -> QuerySet[Attachment]:
    """The dossier's own documents (not those sent with messages), oldest first."""
    return (
        Attachment.objects.active()
        .filter(application=application, message__isnull=True)
        .select_related("uploaded_by")
    )


def all_attachments(application: Any) -> QuerySet[Attachment]:
    """Every file of the dossier, its own and those of its messages."""
    return Attachment.objects.active().filter(application=application).select_related("uploaded_by")
