"""A local stand-in for the recherche-entreprises API: http.server on 127.0.0.1, on a
random port, in a thread. Tests queue the answers it gives; it records what it was asked.
Nothing here, nor anywhere in the tests, contacts the real internet."""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest


@dataclass
class Answer:
    status: int = 200
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class FakeApi:
    url: str
    answers: list[Answer] = field(default_factory=list)
    requests: list[dict[str, list[str]]] = field(default_factory=list)

    def answer(self, *answers: Answer) -> None:
        self.answers.extend(answers)


def api_result(siren: str, **fields: object) -> dict:
    """One element of `results`, as the API documents it."""
    result = {
        "siren": siren,
        "nom_complet": "QUANTUM PYRENE IA",
        "nom_raison_sociale": "QUANTUM PYRENE IA",
        "date_creation": "2022-09-01",
        "categorie_entreprise": "PME",
        "tranche_effectif_salarie": "03",
        "activite_principale": "72.19Z",
        "etat_administratif": "A",
        "nature_juridique": "5710",
        "siege": {
            "siret": siren + "00012",
            "departement": "65",
            "region": "76",
            "code_postal": "65000",
            "commune": "65440",
            "est_siege": True,
        },
    }
    result.update(fields)
    return result


@pytest.fixture
def fake_api():  # type: ignore[no-untyped-def]
    state: dict[str, FakeApi] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            api = state["api"]
            url = urlparse(self.path)
            api.requests.append({"path": [url.path], **parse_qs(url.query)})
            answer = api.answers.pop(0) if api.answers else Answer(404, {"erreur": "none"})
            if answer.delay:
                time.sleep(answer.delay)
            body = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body)
            payload = body.encode() if isinstance(body, str) else body
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                pass

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state["api"] = FakeApi(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state["api"]
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
