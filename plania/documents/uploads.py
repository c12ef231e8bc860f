"""Upload limits applied while the request body is read, before anything is stored.

`CappedUploadHandler` comes first in settings.FILE_UPLOAD_HANDLERS: a file that grows past
PLANIA_UPLOAD_MAX_BYTES is skipped (its bytes are read from the socket and dropped,
never written to memory or a temporary file) and noted on the request, so that the page
or the API can say which file was too big instead of "no file". The services check the
size again (they are the rule; this is the shield). The proxy in front of PlanIA should
also cap the body size (nginx `client_max_body_size`).
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest

REQUEST_ATTRIBUTE = "plania_oversized_uploads"


@dataclass(frozen=True)
class Oversized:
    field_name: str
    file_name: str
    received: int


def max_file_bytes() -> int:
    return int(getattr(settings, "PLANIA_UPLOAD_MAX_BYTES", 20 * 1024 * 1024))


class CappedUploadHandler(FileUploadHandler):
    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        self.limit = max_file_bytes()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        received = start + len(raw_data)
        if received > self.limit:
            oversized = self.request.__dict__.setdefault(REQUEST_ATTRIBUTE, [])
            oversized.append(Oversized(self.field_name, self.file_name, received))
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler builds the file


def oversized_uploads(request: HttpRequest) -> list[Oversized]:
    """The files of this request skipped for their size (read request.FILES first)."""
    return list(getattr(request, REQUEST_ATTRIBUTE, []))
