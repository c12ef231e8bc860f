"""The append-only triggers of applications_applicationevent declared on the model (Meta.triggers)
and installed by django-pgtrigger (issue 12 item 4), in place of the hand-written ones:
the same refusal (message and SQLSTATE 23000), and the same exception for the purge of a draft (plania/privacy/migrations/0002).
"""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

DROP_HAND_WRITTEN = """
DROP TRIGGER IF EXISTS applications_event_no_update ON applications_applicationevent;
DROP TRIGGER IF EXISTS applications_event_no_delete ON applications_applicationevent;
DROP FUNCTION IF EXISTS applications_event_append_only();
"""
RESTORE_HAND_WRITTEN = """
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
CREATE TRIGGER applications_event_no_update BEFORE UPDATE ON applications_applicationevent
    FOR EACH ROW EXECUTE FUNCTION applications_event_append_only();
CREATE TRIGGER applications_event_no_delete BEFORE DELETE ON applications_applicationevent
    FOR EACH ROW EXECUTE FUNCTION applications_event_append_only();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0003_hash_chain'),
        # After the purge's version of the function (which this drops).
        ('privacy', '0002_purge_drafts_history_delete'),
    ]

    operations = [
        migrations.RunSQL(DROP_HAND_WRITTEN, RESTORE_HAND_WRITTEN),
        pgtrigger.migrations.AddTrigger(
            model_name='applicationevent',
            trigger=pgtrigger.compiler.Trigger(name='append_only_update', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'dossier history is append-only: % refused on % id %', TG_OP, TG_TABLE_NAME, OLD.id USING ERRCODE = 'integrity_constraint_violation';", hash='94d0d323128ce5d828c9a66f547e876a795c6cd2', operation='UPDATE', pgid='pgtrigger_append_only_update_6c1d4', table='applications_applicationevent', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='applicationevent',
            trigger=pgtrigger.compiler.Trigger(name='append_only_delete', sql=pgtrigger.compiler.UpsertTriggerSql(condition="WHEN (current_setting('plania.purge_application', true) IS DISTINCT FROM OLD.application_id::text)", func="RAISE EXCEPTION 'dossier history is append-only: % refused on % id %', TG_OP, TG_TABLE_NAME, OLD.id USING ERRCODE = 'integrity_constraint_violation';", hash='349b781cdc002cc04a496a49ac94c961bf13a00e', operation='DELETE', pgid='pgtrigger_append_only_delete_b8b0f', table='applications_applicationevent', when='BEFORE')),
        ),
    ]
