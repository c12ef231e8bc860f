"""The deadline rush: N applicants submit their dossiers within a short window around a
call's closing second, against the production server (gunicorn, plania.settings_production)
on PostgreSQL, and nothing may be lost, duplicated or answered with a 5xx.

Usage: uv run python bench/deadline_rush.py [--clients 200] [--workers 5] [--threads 2]
       [--window 1.0] [--proxy-stamp] [--capacity-submissions 400] [--capacity-clients N]

1. A scratch database named after DATABASE_URL's, `<name>_rush_bench`, is dropped,
   created afresh and migrated (the DATABASE_URL database, default
   PlanIA's embedded server, is only used to create it). N applicants with
   verified e-mails, their companies and complete drafts are made through the services
   (`application_create`, `application_save_draft`, as the applications tests do), each
   with a personal API token (`api_token_create`); and as many more as
   --capacity-submissions, on a second call that stays open, for step 6.
2. gunicorn starts with --workers processes on a free loopback port, with the production
   settings (plain http on loopback: PLANIA_SECURE_SSL_REDIRECT=0, PLANIA_SECURE_COOKIES=0;
   mails to a dummy backend), and one background worker (`plania db_worker`, as `make
   worker`) that sends the receipts the submissions enqueue, during the rush. The bench
   waits for /sante/pret/.
3. The health rate: closed-loop clients on /sante/ for --health-seconds, each on one
   keep-alive connection. Then every applicant opens their dossier once (GET, 50 at a
   time, not measured), as they review it before submitting: the server's processes and
   database connections are warm when the rush starts, as they are in the last hour before
   a real deadline (freshly started, each connection's first queries pay PostgreSQL's
   catalogue look-ups and planning).
4. The rush: client i POSTs /api/v1/applications/{ref}/submit at T0 + i * window / N (in
   shuffled order), on a connection of its own, the call closing at T0 + window / 2; one
   client in five double-clicks (two requests at once). Every request has a 10 s timeout,
   the whole rush 60 s at most.

The clients are coroutines on one asyncio event loop speaking HTTP/1.1 over plain
streams: they run on the same 2 cores as the server, and a thread per client with a
full HTTP client library (the first version) spent more CPU than the server did, so
that the health rate measured the load generator (163/s) rather than PlanIA (about
2,000/s with this client).
5. The latency of the rush, apart for the two answers it mixes: accepted submissions (200
   or 201: the dossier filed, its receipt) and refusals (403, the call is closed: a cheap
   answer that would pull a p50 down). The goal is on the accepted ones.
6. The capacity, unpaced: --capacity-clients closed-loop clients (default: 4 x workers x
   threads, enough to keep a queue behind every thread)
   submit the second call's dossiers, each the next one as soon as its previous answer
   came (a new connection each, as the rush), until all --capacity-submissions are sent.
   The server is saturated for as long as every client has a request outstanding, from
   the first request to the last one sent: `capacity_per_s` is the accepted submissions
   answered in that span, divided by it (what the server sustains, not what the bench
   offers, unlike the rush's `submissions_per_s`, which a paced rush sets). The same
   checks run on that call (nothing lost, duplicated, refused, no 5xx).
7. The checks, from the responses and the database: `lost` (a receipt given, or a request
   sent before the deadline left unanswered, without a submitted dossier in the database),
   `duplicated` (a dossier with more than one submit event, two receipts for one dossier,
   two dossiers sharing a receipt number), `late_refused` (403 `deadline` with the
   deadline message), `late_accepted` (a request sent after the closing accepted, or a
   dossier filed at or after it: must be 0), `early_refused` (a request sent before the
   closing refused with the deadline: it waited in a queue; must be 0), `errors_5xx`,
   `errors_other`.

The last line is one JSON object: clients, submissions_per_s (the rush's submit requests
answered per second, from the first request sent to the last answer: the load offered),
accepted_p50_ms, accepted_p99_ms (latency of the accepted submissions of the rush; goal
p99 < 1 s at 200 clients), refused_p50_ms, refused_p99_ms (the late refusals), errors_5xx,
lost, duplicated, late_refused, capacity_per_s, capacity_accepted_p50_ms,
capacity_accepted_p99_ms, capacity_errors (5xx, lost, duplicated or refused in step 6),
health_per_s, and a few details, among them receipts_mailed (receipt jobs the worker
finished, waited for up to 60 s after the rush) and receipts_not_mailed (must be 0).
"""

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# A complete dossier of the ia-rd-projets 2025 form (plania/data/schemes).
RD_ANSWERS = {
    "project_title": "Détection précoce des fuites sur les réseaux d'eau",
    "summary": "Un modèle qui repère les fuites à partir des capteurs de pression.",
    "sector": "eau",
    "duration_months": "18",
    "headcount": "12",
    "turnover_eur": "850 000",
    "balance_sheet_eur": "1 200 000",
    "requested_eur": "90 000",
}
RD_COST_LINES = [
    {"label": "Ingénieurs IA", "category": "personnel", "amount": "120 000", "eligible": "oui"},
    {"label": "Calcul GPU", "category": "computing", "amount": "30 000", "eligible": "oui"},
]
SECRET_KEY = secrets.token_urlsafe(60)
DEADLINE_WORDS = "est clos depuis"  # in the French deadline message (services._closed_message)


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def recreate_scratch_database(url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    if urlsplit(url).path.lstrip("/") == name:
        raise SystemExit(f"DATABASE_URL already names {name!r}; point it at another database.")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def default_url() -> str:
    """Without DATABASE_URL, PlanIA's own default: the embedded PostgreSQL under var/."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bench.ledger_contention import default_url as embedded

    return embedded()


def setup_django(url: str, var_dir: Path) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "plania.settings"
    os.environ["PLANIA_VAR_DIR"] = str(var_dir)
    os.environ["PLANIA_EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare(clients: int, capacity: int) -> tuple[int, list[tuple[str, str]], int, list]:
    """Migrate, then make two calls and one applicant, company, draft and token per dossier:
    `clients` on the rush's call, `capacity` on the capacity call."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from plania.accounts.services import api_token_create

    # Bench users sign in with tokens: a fast password hash spares 200 Argon2 runs.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0, interactive=False)
    from plania.applications.services import application_create, application_save_draft
    from tests.applications.factories import CallFactory, applicant, company_of

    now = timezone.now()

    def dossiers_of(call: Any, prefix: str, n: int) -> list[tuple[str, str]]:
        dossiers = []
        for i in range(n):
            user = applicant(username=f"{prefix}{i}")
            app = application_create(call=call, company=company_of(user), actor=user).application
            app = application_save_draft(
                application=app, actor=user, answers=RD_ANSWERS, cost_lines=RD_COST_LINES
            )
            _token, plaintext = api_token_create(user=user, name="deadline rush")
            dossiers.append((app.reference, plaintext))
        return dossiers

    # The R&D scheme: its 2025 version has no end date, so it is in force today.
    calls = [
        CallFactory(rd=True, opens_at=now - timedelta(days=30), closes_at=now + timedelta(days=1))
        for _ in range(2)
    ]
    # One transaction for the set-up (not measured): one commit to wait for, not ten per
    # dossier, on a machine whose disk other work shares.
    with transaction.atomic():
        rush_dossiers = dossiers_of(calls[0], "rush", clients)
        capacity_dossiers = dossiers_of(calls[1], "capacity", capacity)
    return calls[0].pk, rush_dossiers, calls[1].pk, capacity_dossiers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(url: str, var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLANIA_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="plania.settings_production",
        DATABASE_URL=url,
        PLANIA_SECRET_KEY=SECRET_KEY,
        PLANIA_CHAIN_KEY=secrets.token_urlsafe(40),
        PLANIA_ALLOWED_HOSTS="127.0.0.1,localhost",
        PLANIA_SECURE_SSL_REDIRECT="0",
        PLANIA_SECURE_COOKIES="0",
        PLANIA_SECURE_HSTS_SECONDS="0",
        PLANIA_VAR_DIR=str(var_dir),
        PLANIA_CONN_MAX_AGE="600",
        PLANIA_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
    )
    return env


def start_server(
    url: str, var_dir: Path, port: int, workers: int, threads: int, proxy_stamp: bool
) -> subprocess.Popen[bytes]:
    env = server_env(url, var_dir)
    if proxy_stamp:
        env["PLANIA_TRUST_REQUEST_START"] = "1"
    log = open(var_dir / "gunicorn.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "plania.wsgi:application",
            "--workers",
            str(workers),
            # The threaded worker that stamps each request when its connection is accepted,
            # before it waits for a thread (plania/ops/gunicorn.py).
            "--worker-class",
            "plania.ops.gunicorn.StampingThreadWorker",  # as make serve-prod
            "--threads",
            str(threads),
            "--keep-alive",
            "5",
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "2048",
            "--timeout",
            "30",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def start_worker(url: str, var_dir: Path) -> subprocess.Popen[bytes]:
    """The background worker (`make worker`): it sends the receipts the submissions enqueue,
    on the same machine, during the rush."""
    log = open(var_dir / "worker.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [
            "nice",  # as `make worker` (WORKER_NICE): the web processes come first
            "-n",
            "10",
            sys.executable,
            "-m",
            "plania",
            "db_worker",
            "--no-reload",
            "--queue-name",
            "default,exports",
            "--interval",
            "1",
            "--worker-id",
            "deadline-rush",
        ],
        cwd=ROOT,
        env=server_env(url, var_dir),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def receipts_mailed(submitted: int, seconds: float = 60) -> tuple[int, int]:
    """(receipt mails sent, receipt jobs still waiting or failed) once the worker has
    drained the queue or `seconds` have passed."""
    from django.db import connection
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    jobs = DBTaskResult.objects.filter(task_path__endswith=".receipt_send_task")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done = jobs.filter(status=TaskResultStatus.SUCCESSFUL).count()
        if done >= submitted:
            break
        time.sleep(0.5)
    connection.close()
    done = jobs.filter(status=TaskResultStatus.SUCCESSFUL).count()
    return done, jobs.exclude(status=TaskResultStatus.SUCCESSFUL).count()


def wait_ready(base: str, server: subprocess.Popen[bytes], seconds: float = 180) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited before answering: see its log")
        try:
            if httpx.get(f"{base}/sante/pret/", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not become ready in time")


# The load generator: HTTP/1.1 over asyncio streams, one event loop in one thread.
#
# A thread per request with httpx (the first version) spent more of this 2-core machine's
# CPU on the clients' side (threads fighting for the GIL, a client stack per request) than
# the server spent answering: the health rate measured the load generator, not PlanIA. A
# real applicant's browser runs on its own machine; this client costs a fraction of a
# millisecond per request, so the CPU left goes to the server under test.


class HttpError(Exception):
    pass


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise HttpError(f"bad status line {lines[0]!r}")
    status = int(parts[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(chunks)
    else:
        body = await reader.read()
    return status, headers, body


def request_bytes(
    method: str, host: str, port: int, path: str, headers: dict[str, str], keep_alive: bool
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Content-Length: 0"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines.append("Connection: keep-alive" if keep_alive else "Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _health_loop(host: str, port: int, stop: float, counts: list[int], i: int) -> None:
    """A closed-loop client on /sante/ over one keep-alive connection."""
    reader, writer = await asyncio.open_connection(host, port)
    request = request_bytes("GET", host, port, "/sante/", {}, keep_alive=True)
    try:
        while time.perf_counter() < stop:
            writer.write(request)
            status, headers, _body = await read_response(reader)
            if status == 200:
                counts[i] += 1
            if headers.get("connection", "").lower() == "close":
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    finally:
        writer.close()


def health_rate(base: str, concurrency: int, seconds: float) -> float:
    host, port = _host_port(base)
    counts = [0] * concurrency

    async def main() -> float:
        started = time.perf_counter()
        stop = started + seconds
        await asyncio.gather(
            *(_health_loop(host, port, stop, counts, i) for i in range(concurrency))
        )
        return sum(counts) / (time.perf_counter() - started)

    return asyncio.run(main())


def _host_port(base: str) -> tuple[str, int]:
    parts = urlsplit(base)
    return parts.hostname or "127.0.0.1", parts.port or 80


async def fetch(
    host: str, port: int, method: str, path: str, headers: dict[str, str]
) -> tuple[int, bytes]:
    """One request on a connection of its own, as an applicant's browser opens: (status,
    body)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request_bytes(method, host, port, path, headers, keep_alive=False))
        status, _headers, body = await read_response(reader)
        return status, body
    finally:
        writer.close()


def review(base: str, dossiers: list[tuple[str, str]], concurrency: int = 50) -> int:
    """Before the closing, each applicant opens their dossier (GET, as the review page
    before "submit" does): the processes and their database connections are warm, as in
    the last hour before a deadline, not freshly started. Not measured. Returns the number
    of 200 answers."""
    host, port = _host_port(base)
    queue = list(dossiers)
    ok = 0

    async def client() -> None:
        nonlocal ok
        while queue:
            reference, token = queue.pop()
            path = f"/api/v1/applications/{reference}"
            status, _body = await fetch(
                host, port, "GET", path, {"Authorization": f"Bearer {token}"}
            )
            ok += status == 200

    async def main() -> None:
        async with asyncio.timeout(120):
            await asyncio.gather(*(client() for _ in range(concurrency)))

    asyncio.run(main())
    return ok


def rush(
    base: str,
    dossiers: list[tuple[str, str]],
    t0: float,
    window: float,
    deadline: float,
    proxy_stamp: bool = False,
) -> list[dict[str, Any]]:
    """One coroutine per request; each sleeps until its slot (perf_counter), then POSTs on
    a new connection (an applicant's browser has its own)."""
    host, port = _host_port(base)
    order = list(range(len(dossiers)))
    random.Random(8).shuffle(order)
    results: list[dict[str, Any]] = []

    async def run(slot: int, index: int) -> None:
        reference, token = dossiers[index]
        at = t0 + slot * window / len(dossiers)
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        sent = time.perf_counter()
        row: dict[str, Any] = {"reference": reference, "sent": sent, "late": sent >= deadline}
        headers = {"Authorization": f"Bearer {token}"}
        if proxy_stamp:  # as a front proxy does (nginx: X-Request-Start "t=${msec}")
            headers["X-Request-Start"] = f"t={time.time():.6f}"
        path = f"/api/v1/applications/{reference}/submit"
        try:
            async with asyncio.timeout(10):
                status, body = await fetch(host, port, "POST", path, headers)
            row["status"] = status
            try:
                row["body"] = json.loads(body)
            except ValueError:
                row["body"] = {}
        except (OSError, TimeoutError, HttpError, asyncio.IncompleteReadError) as exc:
            row["status"] = 0
            row["error"] = repr(exc)
        row["ms"] = (time.perf_counter() - sent) * 1000
        row["done"] = time.perf_counter()
        results.append(row)

    async def main() -> None:
        jobs = []
        for slot, index in enumerate(order):
            jobs.append(run(slot, index))
            if index % 5 == 0:  # a double click: two requests at once
                jobs.append(run(slot, index))
        async with asyncio.timeout(60):
            await asyncio.gather(*jobs)

    asyncio.run(main())
    return results


def saturate(
    base: str, dossiers: list[tuple[str, str]], concurrency: int
) -> tuple[list[dict[str, Any]], float, float]:
    """Closed-loop clients, unpaced: each submits the next dossier as soon as its previous
    answer came, on a new connection. Returns the rows (as rush(), none late), and the span
    during which the server was saturated: from the first request sent to the last one."""
    host, port = _host_port(base)
    queue = list(reversed(dossiers))
    results: list[dict[str, Any]] = []
    last_sent = 0.0

    async def client() -> None:
        nonlocal last_sent
        while queue:
            reference, token = queue.pop()
            sent = time.perf_counter()
            last_sent = max(last_sent, sent)
            row: dict[str, Any] = {"reference": reference, "sent": sent, "late": False}
            path = f"/api/v1/applications/{reference}/submit"
            try:
                async with asyncio.timeout(30):
                    status, body = await fetch(
                        host, port, "POST", path, {"Authorization": f"Bearer {token}"}
                    )
                row["status"] = status
                try:
                    row["body"] = json.loads(body)
                except ValueError:
                    row["body"] = {}
            except (OSError, TimeoutError, HttpError, asyncio.IncompleteReadError) as exc:
                row["status"] = 0
                row["error"] = repr(exc)
            row["done"] = time.perf_counter()
            row["ms"] = (row["done"] - sent) * 1000
            results.append(row)

    async def main() -> float:
        started = time.perf_counter()
        async with asyncio.timeout(600):
            await asyncio.gather(*(client() for _ in range(concurrency)))
        return started

    started = asyncio.run(main())
    return results, started, last_sent


def quantiles(values: list[float]) -> tuple[float | None, float | None]:
    """(p50, p99) in ms, rounded; (None, None) for no values."""
    if not values:
        return None, None
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return round(statistics.median(ordered), 1), round(p99, 1)


def check(call_id: int, results: list[dict[str, Any]]) -> dict[str, Any]:
    from django.db.models import Count, Q

    from plania.applications.models import Application, Call

    call = Call.objects.get(pk=call_id)
    apps = {
        a.reference: a
        for a in Application.objects.filter(call=call).annotate(
            submits=Count("events", filter=Q(events__transition="submit"))
        )
    }
    by_ref: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in results:
        by_ref[row["reference"]].append(row)
    lost = duplicated = late_refused = late_accepted = errors_5xx = early_refused = 0
    other: Counter[str] = Counter()
    for reference, rows in by_ref.items():
        app = apps[reference]
        in_db = app.submitted_at is not None and app.state != "draft"
        receipts = {r["body"].get("receipt_number") for r in rows if r["status"] in (200, 201)}
        accepted = [r for r in rows if r["status"] in (200, 201)]
        if len(receipts) > 1 or app.submits > 1 or sum(r["status"] == 201 for r in rows) > 1:
            duplicated += 1
        if accepted and (not in_db or receipts != {app.receipt_number}):
            lost += 1
        unanswered_before = [r for r in rows if r["status"] == 0 and not r["late"]]
        if unanswered_before and not in_db:
            lost += 1
        for r in rows:
            status, body = r["status"], r["body"] if "body" in r else {}
            if status >= 500:
                errors_5xx += 1
            elif status == 403 and body.get("code") == "deadline":
                if DEADLINE_WORDS in body.get("detail", ""):
                    late_refused += 1
                    # Sent before the closing, refused: it waited in a queue (unfair).
                    early_refused += not r["late"]
                else:
                    other["deadline without its message"] += 1
            elif status in (200, 201):
                if r["late"]:
                    late_accepted += 1
            else:
                other[f"{status} {body.get('code', r.get('error', ''))}"[:80]] += 1
        if in_db and app.submitted_at >= call.closes_at:
            late_accepted += 1
        if in_db and not accepted:
            other["filed without a receipt answered"] += 1
    receipts_db = Counter(a.receipt_number for a in apps.values() if a.receipt_number)
    duplicated += sum(n - 1 for n in receipts_db.values() if n > 1)
    return {
        "lost": lost,
        "duplicated": duplicated,
        "late_refused": late_refused,
        "late_accepted": late_accepted,
        "early_refused": early_refused,
        "errors_5xx": errors_5xx,
        "errors_other": dict(other),
        "submitted": sum(1 for a in apps.values() if a.submitted_at is not None),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=2, help="gthread threads per worker")
    parser.add_argument(
        "--proxy-stamp",
        action="store_true",
        help="send X-Request-Start as a front proxy would (PLANIA_TRUST_REQUEST_START=1)",
    )
    parser.add_argument("--window", type=float, default=1.0, help="seconds of the rush")
    parser.add_argument("--health-seconds", type=float, default=3.0)
    parser.add_argument("--health-clients", type=int, default=0, help="default: --clients")
    parser.add_argument(
        "--capacity-submissions",
        type=int,
        default=400,
        help="dossiers of the unpaced capacity run (0: no capacity run)",
    )
    parser.add_argument(
        "--capacity-clients",
        type=int,
        default=0,
        help="closed-loop clients; default: 4 x workers x threads (the server saturated, a "
        "queue behind every thread, without 200 requests waiting past their timeout)",
    )
    parser.add_argument("--keep-db", action="store_true", help="leave the scratch database")
    args = parser.parse_args()
    if not 1 <= args.clients <= 2000:
        raise SystemExit("--clients is between 1 and 2000")

    base_url = os.environ.get("DATABASE_URL") or default_url()
    scratch = f"{urlsplit(base_url).path.lstrip('/') or 'plania'}_rush_bench"
    url = with_database(base_url, scratch)
    var_dir = Path(tempfile.mkdtemp(prefix="plania-rush-"))
    recreate_scratch_database(base_url, scratch)
    setup_django(url, var_dir)
    started = time.perf_counter()
    call_id, dossiers, capacity_call_id, capacity_dossiers = prepare(
        args.clients, args.capacity_submissions
    )
    print(
        f"prepared {len(dossiers)} + {len(capacity_dossiers)} dossiers "
        f"in {time.perf_counter() - started:.1f} s",
        flush=True,
    )

    from django.db import connection
    from django.utils import timezone

    from plania.applications.models import Call

    # As a deployment does before starting the processes (whitenoise serves STATIC_ROOT).
    subprocess.run(
        [sys.executable, "-m", "plania", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env={**server_env(url, var_dir)},
        check=True,
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(url, var_dir, port, args.workers, args.threads, args.proxy_stamp)
    worker = start_worker(url, var_dir)
    try:
        wait_ready(base, server)
        health = health_rate(base, args.health_clients or args.clients, args.health_seconds)
        print(
            f"health: {health:.0f} requests/s "
            f"({args.workers} gunicorn workers x {args.threads} threads)"
        )

        reviewed = review(base, dossiers)
        if reviewed != len(dossiers):
            raise SystemExit(f"only {reviewed} of {len(dossiers)} dossiers could be opened")
        # The call closes in the middle of the window, to the microsecond, on both clocks.
        t0 = time.perf_counter() + 1.0
        deadline = t0 + args.window / 2
        closes_at = timezone.now() + timedelta(seconds=deadline - time.perf_counter())
        Call.objects.filter(pk=call_id).update(closes_at=closes_at)
        connection.close()
        results = rush(base, dossiers, t0, args.window, deadline, args.proxy_stamp)
        capacity_rows: list[dict[str, Any]] = []
        if capacity_dossiers:
            clients = args.capacity_clients or 4 * args.workers * args.threads
            capacity_rows, saturated_from, saturated_to = saturate(base, capacity_dossiers, clients)
    except BaseException:
        stop(worker)
        raise
    finally:
        stop(server)
    try:
        outcome = check(call_id, results)
        capacity = check(capacity_call_id, capacity_rows) if capacity_rows else None
        mailed, unmailed = receipts_mailed(
            outcome["submitted"] + (capacity["submitted"] if capacity else 0)
        )
    finally:
        stop(worker)
    span = max(r["done"] for r in results) - min(r["sent"] for r in results)
    accepted_p50, accepted_p99 = quantiles([r["ms"] for r in results if r["status"] in (200, 201)])
    refused_p50, refused_p99 = quantiles([r["ms"] for r in results if r["status"] == 403])
    capacity_figures: dict[str, Any] = {}
    if capacity is not None:
        accepted = [r for r in capacity_rows if r["status"] in (200, 201)]
        window = saturated_to - saturated_from
        within = [r for r in accepted if r["done"] <= saturated_to]
        cap_p50, cap_p99 = quantiles([r["ms"] for r in accepted])
        capacity_figures = {
            "capacity_per_s": round(len(within) / window, 1),
            "capacity_clients": clients,
            "capacity_submissions": len(capacity_rows),
            "capacity_accepted": len(accepted),
            "capacity_accepted_p50_ms": cap_p50,
            "capacity_accepted_p99_ms": cap_p99,
            "capacity_errors": capacity["errors_5xx"]
            + capacity["lost"]
            + capacity["duplicated"]
            + capacity["late_refused"]
            + sum(capacity["errors_other"].values()),
        }
        print(
            f"capacity: {capacity_figures['capacity_per_s']} accepted submissions/s over "
            f"{window:.1f} s saturated by {capacity_figures['capacity_clients']} clients; "
            f"accepted p50 {cap_p50} ms, p99 {cap_p99} ms; checks {capacity}",
            flush=True,
        )
    log = (var_dir / "gunicorn.log").read_text(errors="replace")
    if outcome["errors_5xx"] or "Traceback" in log:
        print(log[-4000:])
    worker_log = (var_dir / "worker.log").read_text(errors="replace")
    if unmailed or "Traceback" in worker_log:
        print(worker_log[-4000:])
    summary = {
        "clients": args.clients,
        "requests": len(results),
        "workers": args.workers,
        "threads": args.threads,
        "submissions_per_s": round(len(results) / span, 1),
        "accepted_p50_ms": accepted_p50,
        "accepted_p99_ms": accepted_p99,
        "refused_p50_ms": refused_p50,
        "refused_p99_ms": refused_p99,
        "errors_5xx": outcome["errors_5xx"],
        "lost": outcome["lost"],
        "duplicated": outcome["duplicated"],
        "late_refused": outcome["late_refused"],
        "late_accepted": outcome["late_accepted"],
        "early_refused": outcome["early_refused"],
        "submitted": outcome["submitted"],
        "errors_other": outcome["errors_other"],
        **capacity_figures,
        "health_per_s": round(health, 1),
        "receipts_mailed": mailed,
        "receipts_not_mailed": unmailed,
    }
    if not args.keep_db:
        connection.close()
        import psycopg
        from psycopg import sql

        with psycopg.connect(base_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch))
            )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
