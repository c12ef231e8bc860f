"""/api/v1/documents/: a dossier's attachments — list, upload, download, delete.

Auth: a personal token or the browser session (plania.accounts.auth.api_auth). A dossier
is reachable by the active members of its company (with a verified address) and by
staff; anyone else gets 404, as if it did not exist. Refusals answer in the API's one
format (plania.api.errors), with one message per refused file under `errors`.
"""

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from plania.accounts.auth import api_auth
from plania.api.access import api_access
from plania.api.errors import ApiError, refusal
from plania.api.pagination import Pages
from plania.documents import permissions
from plania.documents.enums import AttachmentKind
from plania.documents.inspection import ACCEPTED_MIMES
from plania.documents.models import Attachment
from plania.documents.selectors import all_attachments
from plania.documents.services import (
    DocumentError,
    attachment_add,
    attachment_delete,
    oversized_error,
)
from plania.documents.serving import attachment_response
from plania.documents.uploads import oversized_uploads

router = Router(tags=["documents"], auth=api_auth)

Kind = Literal[tuple(AttachmentKind.values)]  # type: ignore[valid-type]

# What each kind of refusal means in HTTP.
STATUS = {
    "forbidden": 403,
    "too_big": 413,
    "count": 409,
    "total": 409,
    "duplicate": 409,
    "frozen": 409,
    "deleted": 409,
}


class AttachmentOut(Schema):
    id: UUID
    kind: str
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: str
    message_id: int | None
    download_url: str


ERRORS = {status: ApiError for status in {403, 409, 413, 422}}
DOSSIER = "dossier.view"
DOWNLOAD = {
    200: {
        "description": "The file, as an attachment, with the type detected at upload.",
        "content": {
            mime: {"schema": {"type": "string", "format": "binary"}} for mime in ACCEPTED_MIMES
        },
    }
}


def application_for(request: HttpRequest, reference: str):  # type: ignore[no-untyped-def]
    """The dossier if the caller may see it, else 404 (the verified address is the
    operation's access rule, as on the web)."""
    user = request.auth  # type: ignore[attr-defined]
    return get_object_or_404(permissions.visible_applications(user), reference=reference)


def attachment_out(attachment: Attachment, reference: str) -> dict:
    return {
        "id": attachment.public_id,
        "kind": attachment.kind,
        "name": attachment.original_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "uploaded_at": attachment.uploaded_at,
        "uploaded_by": attachment.uploaded_by.get_full_name() or attachment.uploaded_by.email,
        "message_id": attachment.message_id,
        "download_url": reverse(
            "api:attachment_download",
            kwargs={"reference": reference, "public_id": attachment.public_id},
        ),
    }


def error(exc: DocumentError) -> Status:
    return refusal(STATUS.get(exc.code, 422), exc.message, exc.code, exc.errors)


@router.get(
    "/{reference}",
    response={200: list[AttachmentOut]},
    summary="The dossier's files (its documents and those sent with messages)",
)
@api_access("verified", objects=DOSSIER)
@paginate(Pages)
def list_attachments(request: HttpRequest, reference: str):  # type: ignore[no-untyped-def]
    application = application_for(request, reference)
    return [attachment_out(a, reference) for a in all_attachments(application)]


@router.post(
    "/{reference}",
    response={201: AttachmentOut, **ERRORS},
    summary="Add a document to a dossier (multipart: kind, file)",
    description=(
        "For members of the dossier's company while it is a draft or incomplete. The type "
        "is decided by the content (PDF, PNG, JPEG, docx, xlsx, pptx, odt, ods, odp). "
        "413 too big, 422 refused type or content, 409 frozen dossier, duplicate or limits."
    ),
)
@api_access("verified", objects="dossier.applicant")
def add_attachment(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    reference: str,
    kind: Form[Kind] = "other",  # type: ignore[valid-type]
    file: File[UploadedFile | None] = None,
):
    application = application_for(request, reference)
    too_big = oversized_error(oversized_uploads(request))
    if too_big is not None:
        return error(too_big)
    if file is None:
        return error(DocumentError(_("Choisissez un fichier à déposer."), code="empty"))
    try:
        attachment = attachment_add(
            application=application, actor=request.auth, uploaded_file=file, kind=kind
        )
    except DocumentError as exc:
        return error(exc)
    return Status(201, attachment_out(attachment, reference))


@router.get(
    "/{reference}/{public_id}",
    url_name="attachment_download",
    response={200: None},
    openapi_extra={"responses": DOWNLOAD},
    summary="Download one file of the dossier",
)
@api_access("verified", objects=DOSSIER)
def download_attachment(request: HttpRequest, reference: str, public_id: UUID):  # type: ignore[no-untyped-def]
    application = application_for(request, reference)
    attachment = get_object_or_404(all_attachments(application), public_id=public_id)
    return attachment_response(attachment, user=request.auth)  # type: ignore[attr-defined]


@router.delete(
    "/{reference}/{public_id}",
    response={204: None, **ERRORS},
    summary="Delete a document of a draft dossier (the record of who and when stays)",
)
@api_access("verified", objects="dossier.applicant")
def delete_attachment(request: HttpRequest, reference: str, public_id: UUID):  # type: ignore[no-untyped-def]
    application = application_for(request, reference)
    attachment = get_object_or_404(all_attachments(application), public_id=public_id)
    try:
        attachment_delete(attachment=attachment, actor=request.auth)  # type: ignore[attr-defined]
    except DocumentError as exc:
        return error(exc)
    return Status(204, None)
