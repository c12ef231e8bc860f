"""Attachments of an application (dossier) and of the messages about it.

The file itself lives in the private storage (`STORAGES["private"]`, outside the web
root: settings "Uploads"), under `stored_name`, a random name that owes nothing to what
the person called the file. `original_name` is only for display, sanitised
(plania.documents.inspection.sanitise_name). `content_type` is the type detected from
the content, never the browser's claim.

A deleted attachment stays as a row (who deleted it, when) and loses its file.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from plania.documents.enums import AttachmentKind
from plania.documents.inspection import ACCEPTED_MIMES


class AttachmentQuerySet(models.QuerySet["Attachment"]):
    def active(self) -> "AttachmentQuerySet":
        return self.filter(deleted_at__isnull=True)


class Attachment(models.Model):
    # In URLs and the API: not the row id, so that nothing can be counted or guessed.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(
        "applications.Application",
        # History of the dossier: deleting a dossier deletes these explicitly first.
        on_delete=models.RESTRICT,
        related_name="attachments",
        verbose_name=_("dossier"),
    )
    # Set for a file sent with a message; empty for a document of the dossier itself.
    message = models.ForeignKey(
        "messaging.Message",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("message"),
    )
    kind = models.CharField(
        _("nature"), max_length=30, choices=AttachmentKind.choices, default=AttachmentKind.OTHER
    )
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    stored_name = models.CharField(max_length=255, unique=True, editable=False)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("déposé par"),
    )
    uploaded_at = models.DateTimeField(_("déposé le"))
    deleted_at = models.DateTimeField(_("supprimé le"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("supprimé par"),
    )

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        indexes = [models.Index(fields=["application", "deleted_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AttachmentKind.values),
                name="documents_attachment_kind_known",
                violation_error_message=_("Nature de pièce jointe inconnue."),
            ),
            models.CheckConstraint(
                condition=Q(content_type__in=ACCEPTED_MIMES),
                name="documents_attachment_content_type_accepted",
                violation_error_message=_("Type de fichier non accepté."),
            ),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"),
                name="documents_attachment_sha256_hex",
                violation_error_message=_("L'empreinte est un SHA-256 hexadécimal."),
            ),
            models.CheckConstraint(
                condition=Q(size__gt=0),
                name="documents_attachment_size_positive",
                violation_error_message=_("Un fichier vide n'est pas une pièce jointe."),
            ),
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=True, deleted_by__isnull=True)
                | Q(deleted_at__isnull=False, deleted_by__isnull=False),
                name="documents_attachment_deletion_recorded",
                violation_error_message=_("Une suppression dit qui l'a faite et quand."),
            ),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
