"""Writes of the operations room: asking for a background export."""

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from plania.core.grants import has_role
from plania.ops.models import EXPORT_ROLES, Export, ExportKind, ExportStatus


class ExportError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def may_export(user: Any, kind: str) -> bool:
    return any(has_role(user, role) for role in EXPORT_ROLES.get(kind, ()))


def export_kinds_for(user: Any) -> list[ExportKind]:
    return [kind for kind in ExportKind if may_export(user, kind)]


def _check_can_build(kind: str) -> None:
    """Refuse at once what the worker would refuse: the person gets the reason now."""
    if kind in (ExportKind.SCDL_CSV, ExportKind.SCDL_JSON):
        from plania.opendata import scdl

        try:
            scdl.attributing_body()
        except scdl.ScdlError as exc:
            raise ExportError(str(exc)) from None


@transaction.atomic
def export_request(
    *, kind: str, actor: Any, as_of: date | None = None, language: str | None = None
) -> Export:
    """Record the request and have the worker make the file (after commit)."""
    if kind not in ExportKind.values:
        raise ExportError(_("Cet export n'existe pas."))
    if not may_export(actor, kind):
        raise ExportError(_("Cet export est réservé à d'autres rôles."))
    _check_can_build(kind)
    export = Export.objects.create(
        kind=kind,
        as_of=as_of if kind == ExportKind.ANNUAL_REPORT else None,
        language=language or get_language() or "fr",
        requested_by=actor,
    )
    export_id = export.pk
    transaction.on_commit(lambda: _enqueue(export_id), robust=True)
    return export


def _enqueue(export_id: int) -> None:
    from plania.core.jobs import enqueue
    from plania.ops.tasks import export_build

    if enqueue(export_build, export_id) is None:
        # Nothing will run it: say so on the person's page rather than "pending" forever.
        export = Export.objects.get(pk=export_id)
        with translation.override(export.language):
            error = _("L'export n'a pas pu être mis en file d'attente ; réessayez plus tard.")
        Export.objects.filter(pk=export_id, status=ExportStatus.PENDING).update(
            status=ExportStatus.FAILED, finished_at=timezone.now(), error=error
        )


def exports_prune(*, finished_before: datetime) -> int:
    """Delete the files and rows of the exports finished before that instant; how many."""
    from plania.documents.storage import private_storage

    storage = private_storage()
    count = 0
    for export in Export.objects.filter(
        status__in=[ExportStatus.DONE, ExportStatus.FAILED], finished_at__lt=finished_before
    ):
        with transaction.atomic():
            export.delete()
            if export.file:
                name = export.file
                transaction.on_commit(lambda name=name: storage.delete(name), robust=True)
        count += 1
    return count


def _stalled(started_before: datetime) -> Any:
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=started_before
    ).order_by("started_at")


def jobs_stalled(*, started_before: datetime) -> list[Any]:
    """Background jobs still marked running although they started before
    `started_before`: their worker died mid-job (killed, machine lost), or the job hangs."""
    return list(_stalled(started_before))


def jobs_requeue(*, started_before: datetime) -> int:
    """Put the stalled jobs back in the queue, so that a worker runs them again: at least
    once rather than never (a mail may then go twice, if it had left before the crash).
    One UPDATE: a job its worker finishes meanwhile is no longer "running" and is left."""
    from django_tasks import TaskResultStatus

    return int(_stalled(started_before).update(status=TaskResultStatus.READY, started_at=None))
