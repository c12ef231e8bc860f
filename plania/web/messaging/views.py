"""The thread of messages of a dossier, and the list of one's threads.

Works without JavaScript: a plain form posts, the page redirects to the thread (so that
a reload does not post twice). Opening the thread marks the other side's messages read.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from plania.applications.enums import ApplicationState
from plania.documents import permissions
from plania.documents.inspection import accepted_types_text
from plania.documents.services import oversized_error
from plania.documents.uploads import oversized_uploads
from plania.messaging.enums import MessageKind, Side
from plania.messaging.selectors import author_shown, thread, threads_of
from plania.messaging.services import (
    MessagingError,
    message_answer_request,
    message_post,
    message_request_missing,
    message_thread_mark_read,
)
from plania.web.messaging.forms import MessageForm


def _actions(side: str, state: str) -> list[tuple[str, str]]:
    """What the person may send in this state: a message, and the request or answer."""
    actions = [(MessageKind.MESSAGE.value, _("Message"))]
    if side == Side.STAFF and state == ApplicationState.SUBMITTED:
        actions.append(
            (
                MessageKind.REQUEST_MISSING.value,
                _("Demande de pièces manquantes (le dossier passe « incomplet »)"),
            )
        )
    if side == Side.APPLICANT and state == ApplicationState.INCOMPLETE:
        actions.append(
            (
                MessageKind.ANSWER.value,
                _("Réponse à la demande de pièces (le dossier repasse « déposé »)"),
            )
        )
    return actions


def message_thread(request: HttpRequest, reference: str) -> HttpResponse:
    application = get_object_or_404(
        permissions.visible_applications(request.user).select_related("company"),
        reference=reference,
    )
    side = permissions.side_of(request.user, application) or Side.APPLICANT
    actions = _actions(side, application.state)
    form = MessageForm(request.POST or None, request.FILES or None, actions=actions)
    if request.method == "POST":
        too_big = oversized_error(oversized_uploads(request))
        if too_big is not None:
            form.is_valid()
            for error in too_big.messages:
                form.add_error("files", error)
        elif form.is_valid():
            data = form.cleaned_data
            try:
                if data["action"] == MessageKind.REQUEST_MISSING:
                    if data["files"]:
                        raise MessagingError(
                            _(
                                "Une demande de pièces ne porte pas de fichier : envoyez "
                                "les documents dans un message simple."
                            ),
                            code="files",
                            field="files",
                        )
                    message = message_request_missing(
                        application=application, actor=request.user, body=data["body"]
                    )
                elif data["action"] == MessageKind.ANSWER:
                    message = message_answer_request(
                        application=application,
                        actor=request.user,
                        body=data["body"],
                        files=data["files"],
                    )
                else:
                    message = message_post(
                        application=application,
                        actor=request.user,
                        body=data["body"],
                        files=data["files"],
                    )
            except MessagingError as exc:
                for field, field_messages in exc.errors.items():
                    for error in field_messages:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("Message envoyé."))
                return redirect(
                    f"{request.path}#message-{message.pk}",
                )
    messages_list = list(thread(application))
    for m in messages_list:
        m.shown_author = author_shown(m, side)
    other = Side.STAFF if side == Side.APPLICANT else Side.APPLICANT
    unread_ids = {
        m.pk
        for m in messages_list
        if m.side == other
        and (m.read_by_applicant_at if side == Side.APPLICANT else m.read_by_staff_at) is None
    }
    if request.method == "GET" and unread_ids:
        message_thread_mark_read(application=application, actor=request.user)
    return render(
        request,
        "web/messaging/thread.html",
        {
            "application": application,
            "thread": messages_list,
            "unread_ids": unread_ids,
            "side": side,
            "form": form,
            "accepted_types": accepted_types_text(),
            "files_note": bool(form.errors and request.FILES),
        },
        status=422 if form.errors else 200,
    )


def message_inbox(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/messaging/inbox.html",
        {"threads": list(threads_of(request.user))},
    )
