"""Reads: a dossier's thread, and unread counts per side."""

from typing import Any

from django.db.models import Count, Max, Prefetch, Q, QuerySet

from plania.accounts.display import name_for_applicant
from plania.applications.permissions import STAFF
from plania.core.grants import condition
from plania.documents import permissions
from plania.documents.models import Attachment
from plania.messaging.enums import Side
from plania.messaging.models import Message


def author_shown(message: Message, side: str | None) -> str:
    """The author as the viewer's side sees them: to the applicant side, staff are named
    by their role ("l'instructeur·rice"), never by their name or e-mail (issue 13)."""
    author = message.author
    if side != Side.STAFF and message.side == Side.STAFF:
        return name_for_applicant(author)
    return author.get_full_name() or author.email


def thread(application: Any) -> QuerySet[Message]:
    """The thread in order, authors and files fetched in two queries whatever its length."""
    return (
        Message.objects.filter(application=application)
        .select_related("author")
        .prefetch_related(
            "author__groups",
            Prefetch(
                "attachments",
                queryset=Attachment.objects.active().order_by("uploaded_at", "pk"),
            ),
        )
    )


def _unread_filter(side: str) -> Q:
    if side == Side.APPLICANT:
        return Q(messages__side=Side.STAFF, messages__read_by_applicant_at__isnull=True)
    return Q(messages__side=Side.APPLICANT, messages__read_by_staff_at__isnull=True)


def unread_count(*, application: Any, user: Any) -> int:
    side = permissions.side_of(user, application)
    if side is None:
        return 0
    if side == Side.APPLICANT:
        unread = Q(side=Side.STAFF, read_by_applicant_at__isnull=True)
    else:
        unread = Q(side=Side.APPLICANT, read_by_staff_at__isnull=True)
    return Message.objects.filter(unread, application=application).count()


def threads_of(user: Any) -> QuerySet[Any]:
    """The dossiers `user` may see that have messages, with `message_count`, `unread`
    (for the user's side) and `last_message_at`, most recent first; one query."""
    side = Side.STAFF if condition(user, STAFF) is not False else Side.APPLICANT
    return (
        permissions.visible_applications(user)
        .filter(messages__isnull=False)
        .annotate(
            message_count=Count("messages", distinct=True),
            unread=Count("messages", filter=_unread_filter(side), distinct=True),
            last_message_at=Max("messages__created_at"),
        )
        .select_related("company")
        .order_by("-last_message_at", "-pk")
    )


def unread_total(user: Any) -> int:
    return sum(t.unread for t in threads_of(user))
