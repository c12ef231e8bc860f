"""Concurrent uploads on PostgreSQL: the dossier's row lock makes the count limit hold
with real parallel connections (DESIGN.md section 8)."""

import threading

import pytest
from django.db import connection

from plania.documents.models import Attachment
from plania.documents.services import DocumentError, attachment_add
from tests.documents.dossiers import ApplicationFactory, member_of
from tests.documents.files import PDF_BYTES, upload

pytestmark = [pytest.mark.django_db(transaction=True)]

THREADS = 8


def test_concurrent_uploads_never_pass_the_count_limit(settings):
    settings.PLANIA_UPLOAD_MAX_FILES = 3
    dossier = ApplicationFactory()
    member = member_of(dossier.company)
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def upload_one(n: int) -> None:
        try:
            barrier.wait()
            attachment_add(
                application=dossier,
                actor=member,
                uploaded_file=upload(f"{n}.pdf", PDF_BYTES + f"%{n}".encode()),
                kind="other",
            )
            outcome = "added"
        except DocumentError as exc:
            outcome = exc.code
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=upload_one, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["added"] * 3 + ["count"] * (THREADS - 3)
    assert Attachment.objects.filter(application=dossier).count() == 3
