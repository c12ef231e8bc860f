"""Dossiers on PostgreSQL with real parallel connections (DESIGN.md section 8): two
submissions of one dossier at once make one submission; references never collide; the
history is append-only against raw SQL.
"""

import threading
import time

import psycopg
import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction

from plania.applications import services
from plania.applications.models import Application, ApplicationEvent
from tests.applications.factories import CallFactory, applicant, company_of, draft

pytestmark = [pytest.mark.django_db(transaction=True)]


def _in_threads(n, target):
    """Run target(i) in n threads started together; (results, errors) by thread."""
    barrier = threading.Barrier(n)
    results, errors = [None] * n, [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = target(i)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results, errors


def test_two_simultaneous_submits_make_exactly_one_submission(clock, monkeypatch, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call = CallFactory()
    user = applicant()
    app = draft(call, user)
    # Widen the window: whoever takes the row lock first holds it while it freezes.
    freeze = services._freeze

    def slow_freeze(application, **kwargs):
        freeze(application, **kwargs)
        time.sleep(0.3)

    monkeypatch.setattr(services, "_freeze", slow_freeze)

    def submit(i):
        started = time.monotonic()
        result = services.application_submit(application=app, actor=user)
        return result.created, result.application.receipt_number, time.monotonic() - started

    results, errors = _in_threads(2, submit)
    assert errors == [None, None]
    created = sorted(r[0] for r in results)
    assert created == [False, True]
    assert results[0][1] == results[1][1] != ""
    # The second waited for the first's lock rather than reading a stale draft.
    assert max(r[2] for r in results) >= 0.3
    assert ApplicationEvent.objects.filter(application=app, transition="submit").count() == 1
    stored = Application.objects.get(pk=app.pk)
    assert stored.state == "submitted"
    assert stored.receipt_number == results[0][1]
    assert len(mail.outbox) == 1


def test_many_simultaneous_submits_of_many_dossiers(clock, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call = CallFactory()
    users = [applicant() for _ in range(4)]
    apps = [draft(call, u) for u in users]
    results, errors = _in_threads(
        16, lambda i: services.application_submit(application=apps[i % 4], actor=users[i % 4])
    )
    assert errors == [None] * 16
    assert sum(r.created for r in results) == 4
    assert ApplicationEvent.objects.filter(transition="submit").count() == 4
    assert Application.objects.filter(state="submitted").count() == 4
    assert len(mail.outbox) == 4


def test_simultaneous_creations_never_share_a_reference(clock):
    call = CallFactory()
    users = [applicant() for _ in range(12)]
    results, errors = _in_threads(
        12,
        lambda i: (
            services.application_create(
                call=call, company=company_of(users[i]), actor=users[i]
            ).application.reference
        ),
    )
    assert errors == [None] * 12
    assert sorted(results) == [f"SID-2025-{n:05d}" for n in range(1, 13)]


def test_double_create_for_one_company_makes_one_dossier(clock):
    call = CallFactory()
    user = applicant()
    results, errors = _in_threads(
        4,
        lambda i: (
            services.application_create(
                call=call, company=company_of(user), actor=user
            ).application.pk
        ),
    )
    assert errors == [None] * 4
    assert len(set(results)) == 1
    assert Application.objects.count() == 1


@pytest.mark.parametrize(
    "statement", ["UPDATE {t} SET reason = 'x' WHERE id = %s", "DELETE FROM {t} WHERE id = %s"]
)
def test_history_is_append_only_against_raw_sql(clock, statement):
    app = draft(CallFactory(), applicant(), filled=False)
    event = app.events.get()
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement.format(t=ApplicationEvent._meta.db_table), [event.pk])
    assert isinstance(info.value.__cause__, psycopg.errors.IntegrityConstraintViolation)
    assert "dossier history is append-only" in str(info.value.__cause__)
    assert ApplicationEvent.objects.get(pk=event.pk).reason == ""
