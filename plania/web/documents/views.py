"""A dossier's documents: list, add, download, delete (while a draft).

Views are thin: the dossier comes from `visible_applications(user)` (another company's
dossier is a 404), one service decides, its DocumentError is shown beside the field.
"""

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from plania.applications.enums import EDITABLE_STATES, ApplicationState
from plania.documents import permissions
from plania.documents.inspection import accepted_types_text
from plania.documents.selectors import all_attachments, dossier_documents
from plania.documents.services import (
    DocumentError,
    attachment_add,
    attachment_delete,
    oversized_error,
)
from plania.documents.serving import attachment_response
from plania.documents.uploads import oversized_uploads
from plania.web.documents.forms import AttachmentForm


def _application(request: HttpRequest, reference: str):  # type: ignore[no-untyped-def]
    return get_object_or_404(
        permissions.visible_applications(request.user).select_related("company"),
        reference=reference,
    )


def _add_errors(form: AttachmentForm, exc: DocumentError) -> None:
    for field, field_messages in exc.errors.items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)


def attachment_list(request: HttpRequest, reference: str) -> HttpResponse:
    application = _application(request, reference)
    is_member = permissions.is_member(request.user, application)
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        too_big = oversized_error(oversized_uploads(request))
        if too_big is not None:
            form.is_valid()
            form.errors.pop("file", None)
            _add_errors(form, too_big)
        elif form.is_valid():
            try:
                attachment = attachment_add(
                    application=application,
                    actor=request.user,
                    uploaded_file=form.cleaned_data["file"],
                    kind=form.cleaned_data["kind"],
                )
            except DocumentError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Document « %(name)s » ajouté au dossier.")
                    % {"name": attachment.original_name},
                )
                return redirect("web:attachments", reference=application.reference)
    return render(
        request,
        "web/documents/list.html",
        {
            "application": application,
            "documents": list(dossier_documents(application)),
            "form": form,
            "can_add": is_member and application.state in EDITABLE_STATES,
            "can_delete": is_member and application.state == ApplicationState.DRAFT,
            "accepted_types": accepted_types_text(),
            "max_file_bytes": settings.PLANIA_UPLOAD_MAX_BYTES,
            "max_files": settings.PLANIA_UPLOAD_MAX_FILES,
        },
        status=422 if form.errors else 200,
    )


def attachment_download(request: HttpRequest, reference: str, public_id: UUID) -> FileResponse:
    application = _application(request, reference)
    attachment = get_object_or_404(all_attachments(application), public_id=public_id)
    return attachment_response(attachment, user=request.user)


@require_POST
def attachment_remove(request: HttpRequest, reference: str, public_id: UUID) -> HttpResponse:
    application = _application(request, reference)
    attachment = get_object_or_404(all_attachments(application), public_id=public_id)
    try:
        attachment_delete(attachment=attachment, actor=request.user)
    except DocumentError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Document « %(name)s » supprimé.") % {"name": attachment.original_name},
        )
    return redirect("web:attachments", reference=application.reference)
