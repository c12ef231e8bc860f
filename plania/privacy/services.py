"""Personal data (issue 7 item 6): who viewed a dossier, a person's export, the retention
of drafts never submitted (`plania purge_drafts`).

Retention: a draft (state draft, never submitted) is deleted `retention_days(scheme)` days
after its last save, and only once its company's members were warned by e-mail at least
`warn_days` before (`DraftRetentionWarning`, one per dossier; a save after the warning
makes it void, and a new one is sent when the draft reaches the threshold again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from plania.applications.enums import ApplicationState
from plania.applications.models import Application, ApplicationEvent, CostLine, DeclaredAid
from plania.privacy.models import DossierView, DraftRetentionWarning

# -- Who viewed a dossier ---------------------------------------------------------------


def dossier_view_record(*, user: Any, application: Application) -> DossierView | None:
    """Record that `user` opened `application`: at most one row per person, dossier and
    minute (a reload within the minute records nothing). Anonymous users: nothing."""
    if not getattr(user, "is_authenticated", False):
        return None
    at = timezone.now().replace(second=0, microsecond=0)
    view, _created = DossierView.objects.get_or_create(user=user, application=application, at=at)
    return view


# -- Retention of drafts ----------------------------------------------------------------


def retention_days(scheme_code: str) -> int:
    by_scheme = getattr(settings, "PLANIA_DRAFT_RETENTION_DAYS_BY_SCHEME", {}) or {}
    if scheme_code in by_scheme:
        return int(by_scheme[scheme_code])
    return int(getattr(settings, "PLANIA_DRAFT_RETENTION_DAYS", 365))


def never_submitted_drafts():  # type: ignore[no-untyped-def]
    return (
        Application.objects.filter(state=ApplicationState.DRAFT, submitted_at__isnull=True)
        .exclude(receipt_number__gt="")
        .select_related("call", "company", "retention_warning")
        .order_by("updated_at", "pk")
    )


@dataclass
class DraftDue:
    application: Application
    deadline: datetime  # when it may be deleted (last save + retention)
    warn: bool  # a warning is due now
    delete: bool  # deletion is due now


def _valid_warning(app: Application) -> DraftRetentionWarning | None:
    warning = getattr(app, "retention_warning", None)
    if warning is not None and warning.sent_at >= app.updated_at:
        return warning
    return None


def drafts_due(*, now: datetime, warn_days: int) -> list[DraftDue]:
    due = []
    for app in never_submitted_drafts():
        deadline = app.updated_at + timedelta(days=retention_days(app.call.scheme_code))
        warning = _valid_warning(app)
        warn = warning is None and now >= deadline - timedelta(days=warn_days)
        # Deleted only when warned at least `warn_days` before (the warning sent now counts).
        warned_at = now if warn else (warning.sent_at if warning else None)
        delete = (
            now >= deadline
            and warned_at is not None
            and warned_at + timedelta(days=warn_days) <= now
        )
        if warn or delete:
            due.append(DraftDue(app, deadline, warn, delete))
    return due


def draft_warn(*, application: Application, deadline: datetime, now: datetime) -> int:
    """Record the warning and e-mail the company's active members (after commit).
    Returns the number of recipients."""
    from plania.privacy.emails import draft_warning_recipients, draft_warning_send

    recipients = list(draft_warning_recipients(application))
    with transaction.atomic():
        DraftRetentionWarning.objects.update_or_create(
            application=application, defaults={"sent_at": now}
        )
        user_ids = [u.pk for u in recipients]
        # The loaded dossier, not its id: the mail goes even if the draft is deleted next.
        transaction.on_commit(lambda: draft_warning_send(application, user_ids, deadline))
    return len(recipients)


class DraftNotDeletable(Exception):
    pass


def _allow_event_delete(application: Application) -> None:
    """The history's triggers refuse DELETE, except for the events of the dossier this
    transaction purges (plania/privacy/migrations/0002)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('plania.purge_application', %s, true)", [str(application.pk)]
        )


def draft_delete(*, application: Application) -> dict[str, int]:
    """Delete a draft never submitted with its rows, then its files (after commit).
    Raises DraftNotDeletable for a dossier that was submitted or that other rows keep."""
    from plania.documents.models import Attachment
    from plania.documents.storage import private_storage
    from plania.messaging.models import Message

    with transaction.atomic():
        app = Application.objects.select_for_update().get(pk=application.pk)
        if app.state != ApplicationState.DRAFT or app.submitted_at is not None:
            raise DraftNotDeletable(f"{app.reference}: not a draft never submitted")
        attachments = list(Attachment.objects.filter(application=app))
        files = [a.stored_name for a in attachments if a.deleted_at is None]
        counts = {
            "attachments": len(attachments),
            "cost_lines": CostLine.objects.filter(application=app).count(),
            "declared_aids": DeclaredAid.objects.filter(application=app).count(),
            "messages": Message.objects.filter(application=app).count(),
        }
        try:
            Attachment.objects.filter(application=app).delete()
            Message.objects.filter(application=app).delete()
            CostLine.objects.filter(application=app).delete()
            DeclaredAid.objects.filter(application=app).delete()
            _allow_event_delete(app)
            events = ApplicationEvent.objects.filter(application=app)
            events._raw_delete(events.db)  # the history goes with its dossier, nothing else
            app.delete()
        except (ProtectedError, RestrictedError) as exc:
            raise DraftNotDeletable(f"{app.reference}: other records keep it ({exc})") from exc

        def remove_files() -> None:
            storage = private_storage()
            for name in files:
                if storage.exists(name):
                    storage.delete(name)

        transaction.on_commit(remove_files)
    counts["files"] = len(files)
    return counts
