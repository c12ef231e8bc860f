"""The append-only triggers of awards_awardevent declared on the model (Meta.triggers)
and installed by django-pgtrigger (issue 12 item 4), in place of the hand-written ones:
the same refusal (message and SQLSTATE 23000).
"""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

DROP_HAND_WRITTEN = """
DROP TRIGGER IF EXISTS awards_event_no_update ON awards_awardevent;
DROP TRIGGER IF EXISTS awards_event_no_delete ON awards_awardevent;
DROP FUNCTION IF EXISTS awards_event_append_only();
"""
RESTORE_HAND_WRITTEN = """
CREATE OR REPLACE FUNCTION awards_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'award history is append-only: % refused on awards_awardevent id %',
        TG_OP, OLD.id USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER awards_event_no_update BEFORE UPDATE ON awards_awardevent
    FOR EACH ROW EXECUTE FUNCTION awards_event_append_only();
CREATE TRIGGER awards_event_no_delete BEFORE DELETE ON awards_awardevent
    FOR EACH ROW EXECUTE FUNCTION awards_event_append_only();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('awards', '0007_exact_sums'),
    ]

    operations = [
        migrations.RunSQL(DROP_HAND_WRITTEN, RESTORE_HAND_WRITTEN),
        pgtrigger.migrations.AddTrigger(
            model_name='awardevent',
            trigger=pgtrigger.compiler.Trigger(name='append_only_update', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'award history is append-only: % refused on % id %', TG_OP, TG_TABLE_NAME, OLD.id USING ERRCODE = 'integrity_constraint_violation';", hash='b32691a2e4f0b02244e011e7ceaab1ac3773e2b6', operation='UPDATE', pgid='pgtrigger_append_only_update_02d81', table='awards_awardevent', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='awardevent',
            trigger=pgtrigger.compiler.Trigger(name='append_only_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'award history is append-only: % refused on % id %', TG_OP, TG_TABLE_NAME, OLD.id USING ERRCODE = 'integrity_constraint_violation';", hash='50b4401bb0b503e2a322742609f2599a28d61b71', operation='DELETE', pgid='pgtrigger_append_only_delete_a846c', table='awards_awardevent', when='BEFORE')),
        ),
    ]
