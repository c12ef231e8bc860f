"""Messages between an applicant company and the Region's officers about one dossier.

One thread per application, in order. `side` is the author's side when they wrote it;
each side has its own read mark (when, and by whom, someone of that side first opened the
thread after the message arrived), which gives the unread counts. A message's files are
`plania.documents.models.Attachment` rows with `message` set.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from plania.messaging.enums import MessageKind, Side

BODY_MAX_LENGTH = 10_000


class Message(models.Model):
    application = models.ForeignKey(
        "applications.Application",
        # History of the dossier: deleting a dossier deletes these explicitly first.
        on_delete=models.RESTRICT,
        related_name="messages",
        verbose_name=_("dossier"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("auteur"),
    )
    side = models.CharField(_("côté"), max_length=10, choices=Side.choices)
    kind = models.CharField(
        _("nature"), max_length=20, choices=MessageKind.choices, default=MessageKind.MESSAGE
    )
    # Plain text, shown escaped with its line breaks (never as HTML).
    body = models.TextField(_("message"), max_length=BODY_MAX_LENGTH)
    created_at = models.DateTimeField(_("envoyé le"))
    read_by_applicant_at = models.DateTimeField(_("lu par le porteur le"), null=True, blank=True)
    read_by_applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lu par (porteur)"),
    )
    read_by_staff_at = models.DateTimeField(_("lu par la Région le"), null=True, blank=True)
    read_by_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lu par (Région)"),
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["application", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(side__in=Side.values),
                name="messaging_message_side_known",
                violation_error_message=_("Côté inconnu (porteur ou Région)."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=MessageKind.values),
                name="messaging_message_kind_known",
                violation_error_message=_("Nature de message inconnue."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=MessageKind.REQUEST_MISSING) | Q(side=Side.STAFF),
                name="messaging_request_missing_from_staff",
                violation_error_message=_("Seule la Région demande des pièces manquantes."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=MessageKind.ANSWER) | Q(side=Side.APPLICANT),
                name="messaging_answer_from_applicant",
                violation_error_message=_("Seul le porteur de projet répond à une demande."),
            ),
            models.CheckConstraint(
                condition=Q(body__regex=r"\S"),
                name="messaging_message_body_not_blank",
                violation_error_message=_("Un message n'est pas vide."),
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("body"), BODY_MAX_LENGTH),
                name="messaging_message_body_length",
                violation_error_message=_("Un message a au plus 10 000 caractères."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.created_at:%Y-%m-%d %H:%M}"
