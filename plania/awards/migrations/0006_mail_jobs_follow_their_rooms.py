"""Mail jobs queued before the split (plania/core/jobs.py, django-tasks-db) name their task
by its path, "plania.awards.emails.<name>_task"; the tasks now live in their rooms'
`emails.py`. A job still waiting (or left running by a dead worker, which
`plania jobs_stalled --requeue` queues again) is pointed at its task's new path, so no
e-mail queued across the deployment is lost. Finished jobs keep the path they ran with.
Idempotent (it only rewrites the old paths), and reversible.
"""

from django.db import migrations

OLD = "plania.awards.emails."
MOVED = {
    "decision_send_task": "plania.committee.emails.",
    "agreement_signed_send_task": "plania.agreements.emails.",
    "final_report_send_task": "plania.agreements.emails.",
    "payment_request_send_task": "plania.payments.emails.",
    "payment_certified_send_task": "plania.payments.emails.",
    "payment_ordered_send_task": "plania.payments.emails.",
    "closed_send_task": "plania.payments.emails.",
    "failure_send_task": "plania.repayments.emails.",
}
WAITING = ("READY", "RUNNING")


def _move(apps, pairs):
    job = apps.get_model("django_tasks_database", "DBTaskResult")
    for old, new in pairs:
        job.objects.filter(task_path=old, status__in=WAITING).update(task_path=new)


def forward(apps, schema_editor):
    _move(apps, [(OLD + name, room + name) for name, room in MOVED.items()])


def backward(apps, schema_editor):
    _move(apps, [(room + name, OLD + name) for name, room in MOVED.items()])


class Migration(migrations.Migration):
    dependencies = [
        ("awards", "0005_move_models_to_their_rooms"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(forward, backward)]
