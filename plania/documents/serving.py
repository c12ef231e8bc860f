"""The HTTP response that hands an attachment over (for the web view and the API).

Always a download (`Content-Disposition: attachment`, never displayed by the browser in
PlanIA's origin), with the type detected at upload, `X-Content-Type-Options: nosniff` so
that no browser second-guesses it, `Cache-Control: private, no-store` so that no proxy or
shared cache keeps a company's document, and a CSP sandbox in case a browser renders it
anyway.
"""

import logging
import unicodedata
from typing import Any
from urllib.parse import quote

from django.http import FileResponse

from plania.documents.inspection import sanitise_name
from plania.documents.models import Attachment
from plania.documents.storage import private_storage

logger = logging.getLogger("plania.documents")


def content_disposition(name: str) -> str:
    """`attachment` with an ASCII fallback and the UTF-8 name (RFC 6266, RFC 8187)."""
    name = sanitise_name(name)
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = "".join(c if c.isprintable() and c not in '"\\;' else "_" for c in fallback)
    fallback = fallback.strip() or "document"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def attachment_response(attachment: Attachment, *, user: Any) -> FileResponse:
    handle = private_storage().open(attachment.stored_name, "rb")
    response = FileResponse(handle, content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition(attachment.original_name)
    response["Content-Length"] = str(attachment.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    # Who read which document (issue 7 item 6 will keep this in a table).
    logger.info(
        "attachment %s of application %s downloaded by user %s",
        attachment.public_id,
        attachment.application_id,
        getattr(user, "pk", None),
    )
    return response
