"""Probe (issue 13, item 4): the deadline cannot be beaten by sending slowly.

PlanIA runs as `make serve-prod` runs it, gunicorn with its stamping worker
(plania.ops.gunicorn.StampingThreadWorker, plania/wsgi.py), in another process on the
test database, with PLANIA_DEADLINE_QUEUE_ALLOWANCE=1. A call closes a few seconds from
now. A submission whose headers and first byte arrive before the closing and the rest of
its body after (more than the allowance after) is refused as late; one sent whole before
the closing is accepted. Before, the worker stamped the request when its first bytes
arrived, and any stamp up to 2 minutes old was honoured: the slow one was accepted.
"""

import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from plania.accounts.services import api_token_create
from plania.applications.services import application_save_draft
from tests.applications.factories import CallFactory, applicant, draft
from tests.processes import child_env

ROOT = Path(__file__).resolve().parents[2]
ALLOWANCE = 1.0
RD_ANSWERS = {
    "project_title": "Vision IA",
    "summary": "Un projet de vision par ordinateur.",
    "sector": "sante",
    "duration_months": "12",
    "headcount": "5",
    "requested_eur": "50000",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int, path: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        return _read(sock)


def _read(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        env = child_env(
            DJANGO_SETTINGS_MODULE="plania.settings",
            PLANIA_VAR_DIR=str(tmp_path_factory.mktemp("var")),
            PLANIA_DEADLINE_QUEUE_ALLOWANCE=str(ALLOWANCE),
            PLANIA_TASKS_BACKEND="immediate",
        )
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "plania.wsgi:application",
            "--worker-class",
            "plania.ops.gunicorn.StampingThreadWorker",
            "--workers",
            "1",
            "--threads",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if b" 200 " in _get(port, "/sante/"):
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(process.stderr.read().decode() if process.stderr else "")
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stderr:
            process.stderr.close()


def _closing_soon(seconds: float):  # type: ignore[no-untyped-def]
    """A call closing `seconds` from now, a complete draft on it and an API token."""
    now = timezone.now()
    # The R&D scheme's 2025 rules have no end date (the start-up scheme's ended in 2026).
    call = CallFactory(
        rd=True, opens_at=now - timedelta(days=1), closes_at=now + timedelta(seconds=seconds)
    )
    user = applicant()
    app = application_save_draft(
        application=draft(call, user, filled=False),
        actor=user,
        answers=RD_ANSWERS,
        cost_lines=[
            {"label": "Salaires", "category": "personnel", "amount": "100000", "eligible": True}
        ],
    )
    _, token = api_token_create(user=user, name="ERP")
    return call, app, token


def _head(app, token: str, body: bytes) -> bytes:  # type: ignore[no-untyped-def]
    return (
        f"POST /api/v1/applications/{app.reference}/submit HTTP/1.1\r\n"
        "Host: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()


def _sleep_until(moment) -> None:  # type: ignore[no-untyped-def]
    time.sleep(max(0.0, (moment - timezone.now()).total_seconds()))


@pytest.mark.django_db(transaction=True)
def test_a_submission_finished_after_the_closing_is_refused(server):
    call, app, token = _closing_soon(3)
    body = b'{"note": "sent slowly"}'
    with socket.create_connection(("127.0.0.1", server), timeout=30) as sock:
        sock.sendall(_head(app, token, body) + body[:1])
        assert timezone.now() < call.closes_at - timedelta(seconds=0.5), "too slow a machine"
        _sleep_until(call.closes_at + timedelta(seconds=ALLOWANCE + 1))
        sock.sendall(body[1:])
        response = _read(sock)

    status = response.split(b"\r\n", 1)[0]
    assert b" 403 " in status, response[:600]
    assert b'"deadline"' in response
    app.refresh_from_db()
    assert app.submitted_at is None


@pytest.mark.django_db(transaction=True)
def test_a_submission_sent_before_the_closing_is_accepted(server):
    call, app, token = _closing_soon(3)
    body = b'{"note": "on time"}'
    with socket.create_connection(("127.0.0.1", server), timeout=30) as sock:
        sock.sendall(_head(app, token, body) + body)
        response = _read(sock)

    assert b" 201 " in response.split(b"\r\n", 1)[0], response[:600]
    app.refresh_from_db()
    assert app.submitted_at is not None and app.submitted_at < call.closes_at
