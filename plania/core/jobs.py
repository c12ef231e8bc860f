"""Background jobs: how a room hands work to the worker (docs/deploy.md, "Background jobs").

A job is a django-tasks task (the backport of Django 6's `django.tasks`): a module-level
function decorated with `@task`, whose arguments are JSON (primary keys, strings) because
the database backend stores them in a row that `plania db_worker` reads. With the
"database" backend (production) the worker process runs it; with "immediate" (`make demo`,
the tests) it runs at once in the process that enqueues it (settings: PLANIA_TASKS_BACKEND).

Queues: mails on `MAIL_QUEUE`, first by priority; long exports and imports on
`EXPORTS_QUEUE`, so that a worker started on the mail queue alone never waits behind a
SIRENE import.
"""

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django_tasks import DEFAULT_TASK_QUEUE_NAME, TaskResult, task
from django_tasks.base import Task

logger = logging.getLogger(__name__)

T = TypeVar("T")

# `plania db_worker` with no --queue-name serves "default": mails keep going with it.
MAIL_QUEUE = DEFAULT_TASK_QUEUE_NAME
EXPORTS_QUEUE = "exports"
QUEUES = [MAIL_QUEUE, EXPORTS_QUEUE]
# Higher runs first (django-tasks: -100..100): a mail goes before an export waiting.
MAIL_PRIORITY = 10


def mail_task(function: Callable[..., T]) -> Task[Any, T]:
    """Decorate the function that renders and sends one kind of mail."""
    return task(queue_name=MAIL_QUEUE, priority=MAIL_PRIORITY)(function)


def export_task(function: Callable[..., T]) -> Task[Any, T]:
    """Decorate a long export or import."""
    return task(queue_name=EXPORTS_QUEUE)(function)


def enqueue(job: Task[Any, T], *args: Any, **kwargs: Any) -> TaskResult[T] | None:
    """Enqueue `job`; a failure to enqueue is logged, never raised.

    Mails are enqueued after commit: the caller's work is saved and a lost mail must not
    turn it into an error page. What failed is in the log with its traceback.
    """
    try:
        return job.enqueue(*args, **kwargs)
    except Exception:
        logger.exception("could not enqueue %s args=%r kwargs=%r", job.module_path, args, kwargs)
        return None
