"""Helpers of the background jobs' tests: jobs held as a worker would find them, then run
the way `plania db_worker` runs them."""

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core import mail
from django.test import override_settings
from django.utils.module_loading import import_string
from django_tasks import TaskResult, task_backends

from plania.core.jobs import QUEUES

DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": QUEUES}}
IMMEDIATE = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": QUEUES}
}


@contextmanager
def held_jobs() -> Iterator[list[TaskResult]]:
    """Jobs are enqueued and kept, not run: as in production until a worker takes them."""
    with override_settings(TASKS=DUMMY):
        yield task_backends["default"].results  # type: ignore[attr-defined]


def stored(result: TaskResult) -> tuple[list[Any], dict[str, Any]]:
    """The arguments as the database backend stores them: JSON, and back."""
    data = json.loads(json.dumps({"args": result.args, "kwargs": result.kwargs}))
    return data["args"], data["kwargs"]


def run_as_worker(results: list[TaskResult]) -> None:
    """What the worker does with a row: the task found again by its dotted path, called
    with the arguments read back from JSON."""
    for result in results:
        args, kwargs = stored(result)
        import_string(result.task.module_path).call(*args, **kwargs)


# Secrets made when the mail is rendered (time-stamped): equal mails but for these.
_TOKENS = [
    (re.compile(r"/compte/verifier/[^/\s]+/"), "/compte/verifier/TOKEN/"),
    (
        re.compile(r"/mot-de-passe/reinitialiser/([^/\s]+)/[^/\s]+/"),
        r"/mot-de-passe/reinitialiser/\1/TOKEN/",
    ),
]


def outbox() -> list[tuple[str, str, list[str], str]]:
    sent = []
    for message in mail.outbox:
        body = message.body
        for pattern, replacement in _TOKENS:
            body = pattern.sub(replacement, body)
        sent.append((message.subject, body, list(message.to), message.from_email))
    return sent
