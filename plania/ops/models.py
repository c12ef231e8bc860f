"""Exports made in the background (plania/ops/tasks.py): one row per file someone asked for.

The row, not the task's own result, is what the person's page reads: it exists whatever the
tasks backend (the immediate one keeps no result) and outlives the pruning of finished
tasks. The file is in the "private" storage; the row says where.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plania.accounts.roles import Role


class ExportKind(models.TextChoices):
    ANNUAL_REPORT = "annual_report", _("Rapport annuel de pilotage (PDF)")
    SCDL_CSV = "scdl_csv", _("Données ouvertes des aides, format SCDL (CSV)")
    SCDL_JSON = "scdl_json", _("Données ouvertes des aides, format SCDL (JSON)")


# Who may ask for each kind, and download it afterwards (superusers pass every role): the
# roles of the pages that show the same figures (steering page; publication of the awards).
EXPORT_ROLES: dict[str, tuple[str, ...]] = {
    ExportKind.ANNUAL_REPORT: (Role.STEERING,),
    ExportKind.SCDL_CSV: (Role.ADMIN, Role.FINANCE),
    ExportKind.SCDL_JSON: (Role.ADMIN, Role.FINANCE),
}


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    RUNNING = "running", _("En cours")
    DONE = "done", _("Prêt")
    FAILED = "failed", _("Échec")


class Export(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=32, choices=ExportKind.choices)
    # The steering figures "as of" this day (annual report); empty: the day it runs.
    as_of = models.DateField(null=True, blank=True)
    # The language of the page it was asked from: the file's words are in it.
    language = models.CharField(max_length=10, default="fr")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exports"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=16, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Name in the "private" storage, and the name the download gets.
    file = models.CharField(max_length=300, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    # What went wrong, for the person (the traceback is in the worker's log and task row).
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["requested_by", "-requested_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in {ExportStatus.DONE, ExportStatus.FAILED}
