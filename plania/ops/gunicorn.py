"""gunicorn's threaded worker, stamping each request with the instant its connection was
accepted (docs/deploy.md, "Deadlines under load").

During a rush, a request accepted by a worker process waits for one of its threads; the
Django middleware only runs when a thread takes it, and a dossier sent before the closing
could be refused for that wait (bench/deadline_rush.py counted 57 of 240 such "early"
refusals without a stamping proxy). This worker records the time in the process's accept
loop, before the thread pool, when the connection is accepted or, on a kept-alive
connection, when its next request becomes readable, and hands it to the thread that runs
the request (plania.ops.acceptance). It is the instant the first bytes were there, not the
whole request: plania.ops.middleware.received_at judges a submission on when its body was
read to its end, and credits this stamp only up to PLANIA_DEADLINE_QUEUE_ALLOWANCE seconds
before that (a slow sender's first bytes buy nothing more).

`make serve-prod` runs gunicorn with `--worker-class plania.ops.gunicorn.StampingThreadWorker`.
"""

import time
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

from plania.ops.acceptance import set_accepted_at


class StampingThreadWorker(ThreadWorker):  # type: ignore[misc]
    def enqueue_req(self, conn: Any) -> None:
        conn.plania_accepted_at = time.time()
        super().enqueue_req(conn)

    def handle_request(self, req: Any, conn: Any) -> Any:
        set_accepted_at(getattr(conn, "plania_accepted_at", None))
        try:
            return super().handle_request(req, conn)
        finally:
            set_accepted_at(None)
