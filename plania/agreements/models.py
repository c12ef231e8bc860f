"""The agreement (convention) of an award and the award's documents.

DESIGN.md section 6: awards.Award -> Agreement (generated PDF, how it was signed) and
AwardDocument (signed agreement, supporting documents of a payment request, final report).
The tables keep the names they had when the awards room held these models (`awards_*`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from plania.agreements.enums import DocumentKind, SignatureMethod
from plania.awards.models import Award


class Agreement(models.Model):
    """The agreement (convention) of an award: the PDF generated from the template, kept
    as generated (its SHA-256 is what a signature accepts), and how it was signed."""

    award = models.OneToOneField(Award, on_delete=models.RESTRICT, related_name="agreement")
    stored_name = models.CharField(max_length=255, unique=True)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    generated_at = models.DateTimeField()
    signed_at = models.DateTimeField(_("signée le"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    signer_name = models.CharField(_("signataire"), max_length=200, blank=True)
    signature_method = models.CharField(
        _("mode de signature"), max_length=20, choices=SignatureMethod.choices, blank=True
    )
    signed_document = models.OneToOneField(
        "AwardDocument", on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "awards_agreement"
        verbose_name = _("convention")
        verbose_name_plural = _("conventions")
        constraints = [
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True, signature_method="")
                | (Q(signed_at__isnull=False) & ~Q(signature_method="") & ~Q(signer_name="")),
                name="awards_agreement_signature_recorded",
                violation_error_message=_("Une signature dit qui a signé, quand et comment."),
            ),
        ]


class AwardDocument(models.Model):
    """A file about an award (signed agreement, supporting documents, final report),
    checked like a dossier's attachments (plania.documents) and kept in the private
    storage under a random name."""

    award = models.ForeignKey(Award, on_delete=models.RESTRICT, related_name="documents")
    payment_request = models.ForeignKey(
        "payments.PaymentRequest",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="documents",
    )
    kind = models.CharField(_("nature"), max_length=30, choices=DocumentKind.choices)
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    stored_name = models.CharField(max_length=255, unique=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        db_table = "awards_awarddocument"
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("document de l'aide")
        verbose_name_plural = _("documents des aides")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DocumentKind.values),
                name="awards_document_kind_known",
                violation_error_message=_("Nature de document inconnue."),
            ),
        ]

    def __str__(self) -> str:
        return self.original_name
