"""Retention (issue 7 item 6): a draft never submitted is deleted with its history.

On PostgreSQL the history's triggers (plania/applications/migrations/0002) refuse every
UPDATE and DELETE. This keeps that, except a DELETE of the events of the one dossier the
current transaction purges, named with `set_config('plania.purge_application', id, true)`
(transaction-local) by plania.privacy.services.draft_delete, which first checks that the
dossier is a draft never submitted. UPDATE stays refused.
"""

from django.db import migrations

PG_INSTALL = """
CREATE OR REPLACE FUNCTION applications_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('plania.purge_application', true) = OLD.application_id::text THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'dossier history is append-only: % refused on applications_applicationevent id %',
        TG_OP, OLD.id USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""
PG_REMOVE = """
CREATE OR REPLACE FUNCTION applications_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'dossier history is append-only: % refused on applications_applicationevent id %',
        TG_OP, OLD.id USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0001_initial"),
        ("applications", "0003_hash_chain"),
    ]
    operations = [migrations.RunSQL(PG_INSTALL, PG_REMOVE)]
