"""The data steps of the split of the awards room (migrations awards 0005 and 0006): the
content types and the queued mail jobs follow the models and tasks to their new rooms.
The schema steps are state only; `migrate` itself is run on an existing database and on
an empty one by the test run (and pg_dump --schema-only is the same before and after)."""

from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.test import override_settings
from django.utils.module_loading import import_string
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from plania.payments.emails import closed_send_task
from plania.payments.models import Payment

pytestmark = pytest.mark.django_db

MOVE = import_module("plania.awards.migrations.0005_move_models_to_their_rooms")
JOBS = import_module("plania.awards.migrations.0006_mail_jobs_follow_their_rooms")
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def test_every_moved_model_is_named_and_keeps_its_table():
    moved = {(room, name) for room, names in MOVE.MOVED.items() for name in names}
    assert len(moved) == 13
    for room, name in moved:
        model = apps.get_model(room, name)
        assert model._meta.db_table == f"awards_{name}"
    # What stays in the awards room.
    assert {m._meta.model_name for m in apps.get_app_config("awards").get_models()} == {
        "award",
        "awardevent",
    }


def test_content_types_follow_the_models_and_back():
    # As on a database made before the split: the payment's content type says "awards".
    ContentType.objects.filter(app_label="payments", model="payment").update(app_label="awards")
    old = ContentType.objects.get(app_label="awards", model="payment")
    MOVE.content_types_forward(apps, None)
    assert ContentType.objects.get(pk=old.pk).app_label == "payments"
    ContentType.objects.clear_cache()
    assert ContentType.objects.get_for_model(Payment).pk == old.pk  # same row, kept
    MOVE.content_types_backward(apps, None)
    assert ContentType.objects.get(pk=old.pk).app_label == "awards"
    MOVE.content_types_forward(apps, None)
    ContentType.objects.clear_cache()


def test_a_content_type_made_in_the_new_room_already_is_left_alone():
    new = ContentType.objects.get(app_label="payments", model="payment")
    stale = ContentType.objects.create(app_label="awards", model="payment")
    MOVE.content_types_forward(apps, None)
    assert ContentType.objects.get(pk=new.pk).app_label == "payments"
    assert ContentType.objects.get(pk=stale.pk).app_label == "awards"


@override_settings(TASKS=DATABASE_TASKS)
def test_waiting_mail_jobs_follow_their_task_and_finished_ones_keep_their_path():
    old_path = "plania.awards.emails.closed_send_task"
    waiting, running, done = (closed_send_task.enqueue(i) for i in (1, 2, 3))
    for result, status in (
        (waiting, TaskResultStatus.READY),
        (running, TaskResultStatus.RUNNING),
        (done, TaskResultStatus.SUCCESSFUL),
    ):
        DBTaskResult.objects.filter(id=result.id).update(status=status, task_path=old_path)
    JOBS.forward(apps, None)
    JOBS.forward(apps, None)  # idempotent
    path = {str(r.id): r.task_path for r in DBTaskResult.objects.all()}
    assert path[waiting.id] == path[running.id] == "plania.payments.emails.closed_send_task"
    assert path[done.id] == old_path
    assert import_string(path[waiting.id]) is closed_send_task
    JOBS.backward(apps, None)
    assert DBTaskResult.objects.get(id=waiting.id).task_path == old_path


def test_every_mail_task_of_the_old_module_has_a_new_home():
    for name, room in JOBS.MOVED.items():
        assert import_string(room + name).module_path == room + name
