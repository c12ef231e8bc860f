"""Writes about attachments: add one to a dossier, delete one from a draft, attach files
to a message (for plania.messaging).

Every refusal is a `DocumentError` whose messages say, in the active language, what is
wrong and how to fix it (one message per refused file, all at once). Checks, in order:
who (a member of the dossier's company; staff only through messages), when (documents
are added while the applicant may edit the dossier: draft, or incomplete after a request
for missing items; deleted only while it is a draft: a submitted dossier's files are
frozen),
then each file: size, type by content (plania.documents.inspection: archive bombs,
nested archives, macros), duplicates, and the dossier's count and total size limits.

The file is written to the private storage under a random name, then the row is created;
if anything fails after the write, the file is removed again. A deletion keeps the row
(who, when) and removes the file once the transaction has committed.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from plania.applications.enums import EDITABLE_STATES, ApplicationState
from plania.documents import permissions
from plania.documents.enums import AttachmentKind
from plania.documents.inspection import (
    ArchiveLimits,
    FileType,
    UploadRefused,
    inspect_upload,
    sanitise_name,
)
from plania.documents.models import Attachment
from plania.documents.storage import private_storage
from plania.documents.uploads import Oversized

logger = logging.getLogger("plania.documents")


class DocumentError(Exception):
    """A refusal. `code`: forbidden, frozen, kind, empty, too_big, wrong_type, damaged,
    encrypted, bomb, nested, macros, count, total, duplicate, deleted. `errors` maps a
    field ("file", "kind", "__all__") to its messages."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        field: str = "file",
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


@dataclass(frozen=True)
class UploadLimits:
    max_file_bytes: int
    max_files: int
    max_total_bytes: int
    archive: ArchiveLimits


def upload_limits() -> UploadLimits:
    return UploadLimits(
        max_file_bytes=settings.PLANIA_UPLOAD_MAX_BYTES,
        max_files=settings.PLANIA_UPLOAD_MAX_FILES,
        max_total_bytes=settings.PLANIA_UPLOAD_MAX_TOTAL_BYTES,
        archive=ArchiveLimits(
            max_members=settings.PLANIA_UPLOAD_ARCHIVE_MAX_MEMBERS,
            max_uncompressed_bytes=settings.PLANIA_UPLOAD_ARCHIVE_MAX_UNCOMPRESSED_BYTES,
            max_ratio=settings.PLANIA_UPLOAD_ARCHIVE_MAX_RATIO,
        ),
    )


@dataclass(frozen=True)
class CheckedFile:
    uploaded_file: Any
    detected: FileType
    display_name: str
    size: int
    sha256: str


def too_big_message(name: str, size: int, limit: int) -> str:
    return _(
        "Le fichier « %(name)s » pèse %(size)s : la limite est de %(max)s par fichier. "
        "Réduisez-le (images moins lourdes, export PDF « taille réduite ») ou scindez-le en "
        "plusieurs fichiers, puis déposez-le à nouveau."
    ) % {
        "name": sanitise_name(name),
        "size": filesizeformat(size),
        "max": filesizeformat(limit),
    }


def oversized_error(oversized: Sequence[Oversized]) -> DocumentError | None:
    """The refusal of the files the upload handler skipped for their size, if any."""
    if not oversized:
        return None
    limit = upload_limits().max_file_bytes
    messages = [
        # The handler stopped reading at the limit: the size is "more than".
        too_big_message(o.file_name, o.received, limit)
        for o in oversized
    ]
    return DocumentError(messages[0], code="too_big", errors={"file": messages})


def _sha256_and_size(uploaded_file: Any) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
        size += len(chunk)
    uploaded_file.seek(0)
    return digest.hexdigest(), size


def check_file(uploaded_file: Any, *, limits: UploadLimits | None = None) -> CheckedFile:
    """Size and type of one file, or UploadRefused saying why not (no database)."""
    limits = limits or upload_limits()
    name = getattr(uploaded_file, "name", "") or ""
    if uploaded_file.size > limits.max_file_bytes:
        raise UploadRefused(
            too_big_message(name, uploaded_file.size, limits.max_file_bytes), code="too_big"
        )
    detected = inspect_upload(uploaded_file, name=name, limits=limits.archive)
    sha256, size = _sha256_and_size(uploaded_file)
    if size > limits.max_file_bytes:  # a file object whose .size did not tell the truth
        raise UploadRefused(too_big_message(name, size, limits.max_file_bytes), code="too_big")
    return CheckedFile(
        uploaded_file=uploaded_file,
        detected=detected,
        display_name=sanitise_name(name, extension=detected.extension),
        size=size,
        sha256=sha256,
    )


def files_check(files: Iterable[Any], *, limits: UploadLimits | None = None) -> list[CheckedFile]:
    """Every file checked (size, type by content), every refusal listed at once.

    No database and no lock: callers run it before their transaction, so that reading a
    20 MB file does not hold the database's write lock."""
    limits = limits or upload_limits()
    checked: list[CheckedFile] = []
    refusals: list[tuple[str, str]] = []
    for uploaded_file in files:
        try:
            checked.append(check_file(uploaded_file, limits=limits))
        except UploadRefused as refused:
            refusals.append((refused.code, refused.message))
    if refusals:
        logger.info("upload refused: %s", ",".join(code for code, _m in refusals))
        raise DocumentError(
            refusals[0][1], code=refusals[0][0], errors={"file": [m for _c, m in refusals]}
        )
    return checked


def _check_room(
    *, application: Any, checked: Sequence[CheckedFile], for_message: bool, limits: UploadLimits
) -> None:
    """Duplicates, count and total size, among the dossier's own documents or among the
    files sent with messages (two budgets: a full dossier can still answer a request)."""
    existing = Attachment.objects.active().filter(
        application=application, message__isnull=not for_message
    )
    known = dict(existing.values_list("sha256", "original_name"))
    seen: dict[str, str] = {}
    refusals: list[str] = []
    for item in checked:
        earlier = known.get(item.sha256) or seen.get(item.sha256)
        if earlier is not None:
            refusals.append(
                _(
                    "Le fichier « %(name)s » a déjà été déposé sur ce dossier (sous le nom "
                    "« %(earlier)s ») : inutile de le déposer deux fois."
                )
                % {"name": item.display_name, "earlier": earlier}
            )
        seen[item.sha256] = item.display_name
    if refusals:
        raise DocumentError(refusals[0], code="duplicate", errors={"file": refusals})

    count = len(known) + len(checked)
    if count > limits.max_files:
        message = _(
            "Ce dossier compterait %(count)s pièces jointes : la limite est de %(max)s. "
            "Regroupez plusieurs documents dans un seul PDF, ou supprimez une pièce devenue "
            "inutile tant que le dossier est un brouillon."
        ) % {"count": count, "max": limits.max_files}
        raise DocumentError(message, code="count")
    total = sum(existing.values_list("size", flat=True)) + sum(c.size for c in checked)
    if total > limits.max_total_bytes:
        message = _(
            "Les pièces jointes de ce dossier pèseraient %(total)s : la limite est de %(max)s "
            "par dossier. Réduisez la taille des fichiers (export PDF « taille réduite ») "
            "ou supprimez une pièce devenue inutile tant que le dossier est un brouillon."
        ) % {"total": filesizeformat(total), "max": filesizeformat(limits.max_total_bytes)}
        raise DocumentError(message, code="total")


def _lock(application: Any) -> Any:
    """The application row, locked until commit: two uploads at once cannot both pass
    the count limit."""
    return type(application).objects.select_for_update().get(pk=application.pk)


def _store(checked: CheckedFile) -> str:
    """Write the file under a random name; the person's name for it is never used."""
    name = f"attachments/{secrets.token_hex(16)}"
    checked.uploaded_file.seek(0)
    return private_storage().save(name, File(checked.uploaded_file, name=name))


def _remove_files(stored_names: Iterable[str]) -> None:
    storage = private_storage()
    for stored_name in stored_names:
        try:
            storage.delete(stored_name)
        except OSError:  # pragma: no cover - logged, the row is what matters
            logger.exception("could not remove attachment file %s", stored_name)


def attachments_create(
    *,
    application: Any,
    actor: Any,
    checked: Sequence[CheckedFile],
    kind: str = AttachmentKind.OTHER,
    message: Any = None,
) -> list[Attachment]:
    """Create the attachments of files that passed `files_check` (all or none).

    The caller has checked who and when; plania.messaging calls this for a message's
    files inside its own transaction."""
    if kind not in AttachmentKind.values:
        raise DocumentError(
            _("Choisissez la nature du document dans la liste."), code="kind", field="kind"
        )
    limits = upload_limits()
    with transaction.atomic():
        _lock(application)
        try:
            _check_room(
                application=application,
                checked=checked,
                for_message=message is not None,
                limits=limits,
            )
        except DocumentError as exc:
            logger.info(
                "upload refused: %s application=%s user=%s",
                exc.code,
                application.pk,
                getattr(actor, "pk", None),
            )
            raise
        stored: list[str] = []
        try:
            now = timezone.now()
            created = []
            for item in checked:
                stored_name = _store(item)
                stored.append(stored_name)
                created.append(
                    Attachment.objects.create(
                        application=application,
                        message=message,
                        kind=kind,
                        original_name=item.display_name,
                        stored_name=stored_name,
                        content_type=item.detected.mime,
                        size=item.size,
                        sha256=item.sha256,
                        uploaded_by=actor,
                        uploaded_at=now,
                    )
                )
        except BaseException:
            _remove_files(stored)
            raise
    return created


def _frozen_for_adding() -> DocumentError:
    return DocumentError(
        _(
            "Ce dossier a été déposé : ses pièces ne peuvent plus changer. Pour envoyer "
            "un document à l'instructeur, joignez-le à un message."
        ),
        code="frozen",
    )


def attachment_add(*, application: Any, actor: Any, uploaded_file: Any, kind: str) -> Attachment:
    """Add a document to a dossier the applicant may still edit (a draft, or an
    incomplete dossier whose officer asked for missing items), for a member of its
    company."""
    if not permissions.is_member(actor, application):
        raise DocumentError(
            _(
                "Seuls les membres de l'entreprise qui dépose le dossier peuvent y joindre des "
                "documents."
            ),
            code="forbidden",
        )
    if application.state not in EDITABLE_STATES:
        raise _frozen_for_adding()
    if kind not in AttachmentKind.values:
        raise DocumentError(
            _("Choisissez la nature du document dans la liste."), code="kind", field="kind"
        )
    checked = files_check([uploaded_file])
    with transaction.atomic():
        # Read again under the lock: the dossier may have been submitted meanwhile.
        if _lock(application).state not in EDITABLE_STATES:
            raise _frozen_for_adding()
        (attachment,) = attachments_create(
            application=application, actor=actor, checked=checked, kind=kind
        )
    return attachment


def attachment_delete(*, attachment: Attachment, actor: Any) -> Attachment:
    """Delete a document of a draft dossier: the row stays (who, when), the file goes."""
    with transaction.atomic():
        attachment = Attachment.objects.select_for_update().get(pk=attachment.pk)
        application = attachment.application
        if not permissions.is_member(actor, application):
            raise DocumentError(
                _(
                    "Seuls les membres de l'entreprise qui dépose le dossier peuvent en "
                    "supprimer des documents."
                ),
                code="forbidden",
            )
        if attachment.is_deleted:
            raise DocumentError(_("Ce document a déjà été supprimé."), code="deleted")
        if attachment.message_id is not None:
            raise DocumentError(
                _(
                    "Un document envoyé avec un message fait partie de l'échange : il ne peut "
                    "pas être supprimé."
                ),
                code="frozen",
            )
        if application.state != ApplicationState.DRAFT:
            raise DocumentError(
                _(
                    "Ce dossier a été déposé : ses pièces sont figées et ne peuvent plus être "
                    "supprimées. Pour corriger un document, envoyez la nouvelle version avec "
                    "un message à l'instructeur."
                ),
                code="frozen",
            )
        attachment.deleted_at = timezone.now()
        attachment.deleted_by = actor
        attachment.save(update_fields=["deleted_at", "deleted_by"])
        stored_name = attachment.stored_name
        transaction.on_commit(lambda: _remove_files([stored_name]), robust=True)
    return attachment
