"""Writes about messages: post one, ask for missing items, answer such a request, mark a
thread read.

Who: the active members of the dossier's company (applicant side) and staff (officers);
anyone else is refused (views and the API give them a 404 before this). Every refusal is
a `MessagingError` whose messages say what is wrong and what to do.

Requests for missing items and their answers move the dossier through the applications
room's transitions (submitted -> incomplete -> submitted), in the same transaction as the
message: the state and the thread never disagree. The other side is told by e-mail once
the transaction has committed (`transaction.on_commit`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from plania.applications.enums import ApplicationState
from plania.applications.permissions import INSTRUCT
from plania.core.grants import can
from plania.documents import permissions
from plania.documents.services import DocumentError, attachments_create, files_check
from plania.messaging.enums import MessageKind, Side
from plania.messaging.models import BODY_MAX_LENGTH, Message

logger = logging.getLogger("plania.messaging")

# Control characters other than tab and line feed; carriage returns are normalised.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


class MessagingError(Exception):
    """A refusal. `code`: forbidden, empty, too_long, state, files (a file was refused:
    `errors["files"]` says which and why)."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        field: str = "body",
        errors: dict[str, list[str]] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.errors = errors or {field: [message]}

    @property
    def messages(self) -> list[str]:
        return [m for ms in self.errors.values() for m in ms]


def _clean_body(body: str) -> str:
    body = _CONTROL.sub("", (body or "").replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not body:
        raise MessagingError(_("Écrivez votre message avant de l'envoyer."), code="empty")
    if len(body) > BODY_MAX_LENGTH:
        raise MessagingError(
            _(
                "Votre message compte %(length)s caractères : la limite est de %(max)s. "
                "Raccourcissez-le, ou joignez le texte long en document."
            )
            % {"length": len(body), "max": BODY_MAX_LENGTH},
            code="too_long",
        )
    return body


def _side(actor: Any, application: Any) -> str:
    side = permissions.side_of(actor, application)
    if side is None:
        raise MessagingError(
            _("Seuls les membres de l'entreprise et les instructeurs peuvent écrire ici."),
            code="forbidden",
        )
    return side


def _check_files(files: Sequence[Any]) -> list[Any]:
    if not files:
        return []
    try:
        return files_check(files)
    except DocumentError as exc:
        raise MessagingError(
            exc.message, code="files", field="files", errors={"files": exc.messages}
        ) from None


def _applications_service(name: str) -> Callable[..., Any] | None:
    """A transition of the applications room (`application_request_missing`,
    `application_answer_missing`), or None when that room does not provide it.

    The import is guarded so that the thread works on its own (it was built while the
    applications room was being written); the tests of the request and answer flows
    check that the dossier's state does move.
    """
    try:
        from plania.applications import services as application_services
    except ImportError:  # pragma: no cover - the applications room is installed
        return None
    return getattr(application_services, name, None)


def _application_error_class() -> type[Exception] | None:
    try:
        from plania.applications.services import ApplicationError
    except ImportError:  # pragma: no cover - the applications room is installed
        return None
    return ApplicationError


def _run_transition(transition: Callable[..., Any], **kwargs: Any) -> None:
    """Fire the applications room's transition; its refusal becomes a MessagingError
    (with the per-field messages it gives, e.g. a required field left empty)."""
    error_class = _application_error_class()
    try:
        transition(**kwargs)
    except Exception as exc:
        if error_class is None or not isinstance(exc, error_class):
            raise
        details = [m for ms in (getattr(exc, "errors", None) or {}).values() for m in ms]
        raise MessagingError(
            exc.message,  # type: ignore[attr-defined]
            code="forbidden" if exc.code == "forbidden" else "state",  # type: ignore[attr-defined]
            field="__all__",
            errors={"__all__": [exc.message, *details]},  # type: ignore[attr-defined]
        ) from None


def _create(
    *,
    application: Any,
    actor: Any,
    side: str,
    kind: str,
    body: str,
    checked_files: Sequence[Any],
    notify: bool = True,
) -> Message:
    now = timezone.now()
    own_read = (
        {"read_by_applicant_at": now, "read_by_applicant": actor}
        if side == Side.APPLICANT
        else {"read_by_staff_at": now, "read_by_staff": actor}
    )
    message = Message.objects.create(
        application=application,
        author=actor,
        side=side,
        kind=kind,
        body=body,
        created_at=now,
        **own_read,
    )
    if checked_files:
        try:
            attachments_create(
                application=application, actor=actor, checked=checked_files, message=message
            )
        except DocumentError as exc:
            raise MessagingError(
                exc.message, code="files", field="files", errors={"files": exc.messages}
            ) from None
    message_id = message.pk
    if notify:
        transaction.on_commit(lambda: _notify(message_id), robust=True)
    logger.info(
        "message %s posted: application=%s user=%s kind=%s",
        message_id,
        application.pk,
        actor.pk,
        kind,
    )
    return message


def _notify(message_id: int) -> None:
    from plania.messaging.emails import message_notify

    message_notify(message_id)


def message_post(*, application: Any, actor: Any, body: str, files: Sequence[Any] = ()) -> Message:
    """Post a message (with files) on the dossier's thread, for either side."""
    side = _side(actor, application)
    body = _clean_body(body)
    checked = _check_files(files)
    with transaction.atomic():
        return _create(
            application=application,
            actor=actor,
            side=side,
            kind=MessageKind.MESSAGE,
            body=body,
            checked_files=checked,
        )


def message_request_missing(*, application: Any, actor: Any, body: str) -> Message:
    """Staff: ask the applicant for missing items; the dossier becomes incomplete
    (the applications room's `application_request_missing`, submitted -> incomplete)."""
    if not can(actor, INSTRUCT, application):
        raise MessagingError(
            _("Seuls les instructeurs peuvent demander des pièces manquantes."),
            code="forbidden",
        )
    body = _clean_body(body)
    transition = _applications_service("application_request_missing")
    if transition is None and application.state != ApplicationState.SUBMITTED:
        raise MessagingError(
            _("On ne demande des pièces manquantes que sur un dossier déposé."),
            code="state",
            field="__all__",
        )
    with transaction.atomic():
        if transition is not None:
            _run_transition(transition, application=application, actor=actor, message=body)
        return _create(
            application=application,
            actor=actor,
            side=Side.STAFF,
            kind=MessageKind.REQUEST_MISSING,
            body=body,
            checked_files=(),
            # The applications room mails the company's members itself (with the text).
            notify=transition is None,
        )


def message_answer_request(
    *, application: Any, actor: Any, body: str, files: Sequence[Any] = ()
) -> Message:
    """Applicant: answer a request for missing items (with files); the dossier goes back
    to submitted (the applications room's answer transition)."""
    side = _side(actor, application)
    if side != Side.APPLICANT:
        raise MessagingError(
            _("Seuls les membres de l'entreprise répondent à une demande de pièces."),
            code="forbidden",
        )
    body = _clean_body(body)
    checked = _check_files(files)
    transition = _applications_service("application_answer_missing")
    if transition is None and application.state != ApplicationState.INCOMPLETE:
        raise MessagingError(
            _(
                "Aucune demande de pièces n'attend de réponse sur ce dossier : envoyez un "
                "message simple."
            ),
            code="state",
            field="__all__",
        )
    with transaction.atomic():
        # The transition first: if the dossier cannot go back to "submitted" (a required
        # field emptied meanwhile), nothing is written and no file is stored.
        if transition is not None:
            _run_transition(transition, application=application, actor=actor, message=body)
        return _create(
            application=application,
            actor=actor,
            side=Side.APPLICANT,
            kind=MessageKind.ANSWER,
            body=body,
            checked_files=checked,
        )


def message_thread_mark_read(*, application: Any, actor: Any) -> int:
    """Mark the other side's messages read for the actor's side; how many were unread."""
    side = permissions.side_of(actor, application)
    if side is None:
        return 0
    now = timezone.now()
    with transaction.atomic():
        if side == Side.APPLICANT:
            return Message.objects.filter(
                application=application, side=Side.STAFF, read_by_applicant_at__isnull=True
            ).update(read_by_applicant_at=now, read_by_applicant=actor)
        return Message.objects.filter(
            application=application, side=Side.APPLICANT, read_by_staff_at__isnull=True
        ).update(read_by_staff_at=now, read_by_staff=actor)
