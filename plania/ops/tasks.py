"""Exports that run in the worker (docs/deploy.md, "Background jobs").

Which jobs run in the background, and why:

- every e-mail: the `*_send` functions of plania/<room>/emails.py (and Django's password
  reset form, plania.web.accounts.forms) enqueue a task, on the "default" queue, first by
  priority; the task renders and sends the mail;
- the exports that a person would otherwise wait for, asked for on /exports/ (a row of
  `plania.ops.models.Export`, the file in the "private" storage): the annual steering
  report (PDF: every target, chart and award of the plan) and the SCDL open data file of
  the awards (CSV or JSON, the whole history of awards), on the "exports" queue.

What stays a command, on purpose: `plania import_sirene` (it reads a stock file of several
GB from the disk of the machine it runs on, for an hour or more, with its progress on the
terminal: a worker on another machine would not see the file), `plania export_scdl`
(an administrator's pipe to a file; /exports/ makes the same file in the background),
`plania purge_drafts` (a nightly job; its mails go through the worker like any other).

This module only calls the public functions of plania.steering and plania.opendata.
"""

import logging
import tempfile
from collections.abc import Iterator

from django.core.files import File
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from plania.core.jobs import export_task
from plania.documents.storage import private_storage
from plania.ops.models import Export, ExportKind, ExportStatus

logger = logging.getLogger(__name__)

FOLDER = "exports"


class ExportFailed(Exception):
    """A refusal whose message is for the person who asked (translated)."""


def _annual_report(export: Export) -> tuple[Iterator[bytes], str]:
    from plania.steering import report
    from plania.steering.selectors import steering_overview

    overview = steering_overview(as_of=export.as_of)
    if overview is None:
        raise ExportFailed(_("Aucun plan n'est chargé : il n'y a rien à exporter."))
    content = report.annual_report(overview)
    return iter([content]), f"rapport-pilotage-{overview.as_of.isoformat()}.pdf"


def _scdl(export: Export, fmt: str) -> tuple[Iterator[bytes], str]:
    from plania.opendata import scdl

    try:
        data = scdl.export()
    except scdl.ScdlError as exc:
        raise ExportFailed(str(exc)) from None
    chunks = scdl.csv_lines(data.rows()) if fmt == "csv" else scdl.json_chunks(data.rows())
    stamp = timezone.localdate().isoformat()
    return (chunk.encode("utf-8") for chunk in chunks), f"subventions-{stamp}.{fmt}"


def _build(export: Export) -> tuple[Iterator[bytes], str]:
    if export.kind == ExportKind.ANNUAL_REPORT:
        return _annual_report(export)
    if export.kind == ExportKind.SCDL_CSV:
        return _scdl(export, "csv")
    if export.kind == ExportKind.SCDL_JSON:
        return _scdl(export, "json")
    raise ExportFailed(_("Cet export n'existe pas."))


@export_task
def export_build(export_id: int) -> str:
    """Make the file of one Export row and store it; returns the row's new status.

    Runs once per row: a row that is no longer pending (a second enqueue, a run after a
    crash) is left as it is. A failure is recorded on the row for the person, then raised
    so that the task is recorded as failed with its traceback."""
    claimed = Export.objects.filter(pk=export_id, status=ExportStatus.PENDING).update(
        status=ExportStatus.RUNNING, started_at=timezone.now()
    )
    export = Export.objects.get(pk=export_id)
    if not claimed:
        return str(export.status)
    try:
        with translation.override(export.language):
            chunks, filename = _build(export)
            # Spooled to a temporary file: the SCDL file of a large history is not held
            # in memory, and the storage (disk or S3) gets a seekable file.
            with tempfile.TemporaryFile() as spool:
                for chunk in chunks:
                    spool.write(chunk)
                size = spool.tell()
                spool.seek(0)
                name = private_storage().save(
                    f"{FOLDER}/{export.public_id}/{filename}", File(spool, name=filename)
                )
    except Exception as exc:
        with translation.override(export.language):
            message = (
                str(exc)
                if isinstance(exc, ExportFailed)
                else _("L'export a échoué ; l'erreur est consignée pour l'équipe technique.")
            )
        Export.objects.filter(pk=export_id).update(
            status=ExportStatus.FAILED, finished_at=timezone.now(), error=message
        )
        raise
    Export.objects.filter(pk=export_id).update(
        status=ExportStatus.DONE,
        finished_at=timezone.now(),
        file=name,
        filename=filename,
        size=size,
    )
    logger.info("export %s (%s) done: %s, %s bytes", export.public_id, export.kind, name, size)
    return str(ExportStatus.DONE)
