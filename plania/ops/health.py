"""Health (the process answers; no database) and readiness (the database answers and
every migration is applied) for a load balancer or an orchestrator (docs/deploy.md).

Readiness also reports the background jobs waiting for a worker when they are in the
database: how many, and how long the oldest has waited. A stalled worker does not make
the web process unready (it still serves), but a monitor can alert on `oldest_seconds`.
"""

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count, Min
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def alive(request: HttpRequest) -> JsonResponse:
    """200 while the process serves requests: cheap, touches no database."""
    return JsonResponse({"status": "ok"})


def pending_migrations(alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    connection = connections[alias]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


@never_cache
@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    """200 when the database answers and no migration is pending, else 503 with why."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
        pending = pending_migrations()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return JsonResponse({"status": "unavailable", "database": type(exc).__name__}, status=503)
    if pending:
        return JsonResponse(
            {"status": "unavailable", "pending_migrations": len(pending)}, status=503
        )
    answer: dict[str, object] = {"status": "ok"}
    try:
        backlog = task_backlog()
    except Exception as exc:  # noqa: BLE001 - the jobs' figures never make the web unready
        backlog = {"error": type(exc).__name__}
    if backlog is not None:
        answer["tasks"] = backlog
    return JsonResponse(answer)


def task_backlog() -> dict[str, object] | None:
    """{"waiting": n, "oldest_seconds": s} for the database backend, else None. One query
    on the ready jobs (a partial index covers them)."""
    from django_tasks import task_backends
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = task_backends["default"]
    if not isinstance(backend, DatabaseBackend):
        return None
    figures = (
        DBTaskResult.objects.ready()
        .filter(backend_name=backend.alias)
        .aggregate(waiting=Count("id"), oldest=Min("enqueued_at"))
    )
    oldest = figures["oldest"]
    return {
        "waiting": figures["waiting"],
        "oldest_seconds": round((timezone.now() - oldest).total_seconds()) if oldest else 0,
    }
