"""/api/v1/messages/: a dossier's thread — list, post (a message, a request for missing
items, an answer to one), mark read — and the caller's unread counts.

Same access as the web pages: the active members of the dossier's company (verified
address) and staff; anyone else gets 404. Reading the thread through the API does not
mark it read (GET has no side effect): POST /{reference}/read does.
"""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from plania.accounts.auth import api_auth
from plania.api.access import api_access
from plania.api.documents import DOSSIER, AttachmentOut, application_for, attachment_out
from plania.api.errors import ApiError, refusal
from plania.api.pagination import Pages
from plania.documents.permissions import side_of
from plania.documents.services import oversized_error
from plania.documents.uploads import oversized_uploads
from plania.messaging.enums import MessageKind
from plania.messaging.models import Message
from plania.messaging.selectors import author_shown, thread, threads_of
from plania.messaging.services import (
    MessagingError,
    message_answer_request,
    message_post,
    message_request_missing,
    message_thread_mark_read,
)
from plania.security.ratelimit import check as check_rate

router = Router(tags=["messages"], auth=api_auth)

STATUS = {"forbidden": 403, "state": 409, "files": 422, "empty": 422, "too_long": 422}
ERRORS = {status: ApiError for status in {403, 409, 413, 422}}


class MessageOut(Schema):
    id: int
    kind: str
    side: str
    author: str
    body: str
    created_at: datetime
    read_by_applicant_at: datetime | None
    read_by_staff_at: datetime | None
    attachments: list[AttachmentOut]


class ThreadOut(Schema):
    reference: str
    company: str
    message_count: int
    unread: int
    last_message_at: datetime


class MarkedOut(Schema):
    marked: int


def message_out(message: Message, reference: str, side: str | None = None) -> dict:
    return {
        "id": message.pk,
        "kind": message.kind,
        "side": message.side,
        "author": author_shown(message, side),
        "body": message.body,
        "created_at": message.created_at,
        "read_by_applicant_at": message.read_by_applicant_at,
        "read_by_staff_at": message.read_by_staff_at,
        "attachments": [attachment_out(a, reference) for a in message.attachments.all()],
    }


def error(exc: MessagingError, *, status: int | None = None) -> Status:
    return refusal(status or STATUS.get(exc.code, 422), exc.message, exc.code, exc.errors)


@router.get("/unread", response=list[ThreadOut], summary="The caller's threads, unread counts")
@api_access("verified", objects="dossier.view")
@paginate(Pages)
def unread(request: HttpRequest):  # type: ignore[no-untyped-def]
    return [
        {
            "reference": a.reference,
            "company": a.company.name,
            "message_count": a.message_count,
            "unread": a.unread,
            "last_message_at": a.last_message_at,
        }
        for a in threads_of(request.auth)  # type: ignore[attr-defined]
    ]


@router.get("/{reference}", response=list[MessageOut], summary="A dossier's thread, in order")
@api_access("verified", objects=DOSSIER)
@paginate(Pages)
def list_messages(request: HttpRequest, reference: str):  # type: ignore[no-untyped-def]
    application = application_for(request, reference)
    side = side_of(request.auth, application)  # type: ignore[attr-defined]
    return [message_out(m, reference, side) for m in thread(application)]


@router.post(
    "/{reference}",
    response={201: MessageOut, **ERRORS},
    summary="Post on a dossier's thread (multipart: body, kind, files)",
    description=(
        "kind: message (either side); request_missing (staff: the dossier becomes "
        "incomplete; no files); answer (applicant, on an incomplete dossier: it returns to "
        "submitted). 413 a file too big, 422 refused body or file, 409 wrong state."
    ),
)
@api_access("verified", objects=DOSSIER)
def post_message(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    reference: str,
    body: Form[str],
    kind: Form[Literal["message", "request_missing", "answer"]] = "message",
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
):
    application = application_for(request, reference)
    actor = request.auth  # type: ignore[attr-defined]
    # As on the pages: each message mails the other side (issue 13 item 8).
    check_rate("messages", f"user:{actor.pk}")
    too_big = oversized_error(oversized_uploads(request))
    if too_big is not None:
        return error(
            MessagingError(
                too_big.message, code="files", field="files", errors={"files": too_big.messages}
            ),
            status=413,
        )
    files = files or []
    try:
        if kind == MessageKind.REQUEST_MISSING:
            if files:
                raise MessagingError(
                    _(
                        "Une demande de pièces ne porte pas de fichier : envoyez les "
                        "documents dans un message simple."
                    ),
                    code="files",
                    field="files",
                )
            message = message_request_missing(application=application, actor=actor, body=body)
        elif kind == MessageKind.ANSWER:
            message = message_answer_request(
                application=application, actor=actor, body=body, files=files
            )
        else:
            message = message_post(application=application, actor=actor, body=body, files=files)
    except MessagingError as exc:
        return error(exc)
    message = thread(application).get(pk=message.pk)
    return Status(201, message_out(message, reference, side_of(actor, application)))


@router.post("/{reference}/read", response=MarkedOut, summary="Mark the thread read")
@api_access("verified", objects=DOSSIER)
def mark_read(request: HttpRequest, reference: str):  # type: ignore[no-untyped-def]
    application = application_for(request, reference)
    marked = message_thread_mark_read(application=application, actor=request.auth)  # type: ignore[attr-defined]
    return {"marked": marked}
