"""The append-only triggers of ledger_ledgerentry declared on the model (Meta.triggers)
and installed by django-pgtrigger (issue 12 item 4), in place of the hand-written ones:
the same refusal (message and SQLSTATE 23000).
"""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

DROP_HAND_WRITTEN = """
DROP TRIGGER IF EXISTS ledger_entry_no_update ON ledger_ledgerentry;
DROP TRIGGER IF EXISTS ledger_entry_no_delete ON ledger_ledgerentry;
DROP FUNCTION IF EXISTS ledger_entry_append_only();
"""
RESTORE_HAND_WRITTEN = """
CREATE OR REPLACE FUNCTION ledger_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are append-only: % refused on ledger_ledgerentry id %',
        TG_OP, OLD.id USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_append_only();
CREATE TRIGGER ledger_entry_no_delete BEFORE DELETE ON ledger_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_append_only();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0006_year_totals'),
    ]

    operations = [
        migrations.RunSQL(DROP_HAND_WRITTEN, RESTORE_HAND_WRITTEN),
        pgtrigger.migrations.AddTrigger(
            model_name='ledgerentry',
            trigger=pgtrigger.compiler.Trigger(name='append_only_update', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'ledger entries are append-only: % refused on % id %', TG_OP, TG_TABLE_NAME, OLD.id USING ERRCODE = 'integrity_constraint_violation';", hash='07d8fbc4b7b4245defddd6be2b008873b9662b14', operation='UPDATE', pgid='pgtrigger_append_only_update_44b97', table='ledger_ledgerentry', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='ledgerentry',
            trigger=pgtrigger.compiler.Trigger(name='append_only_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'ledger entries are append-only: % refused on % id %', TG_OP, TG_TABLE_NAME, OLD.id USING ERRCODE = 'integrity_constraint_violation';", hash='5b45caa2afb7a1eeca49f763dfd944e165a85c4f', operation='DELETE', pgid='pgtrigger_append_only_delete_a8c15', table='ledger_ledgerentry', when='BEFORE')),
        ),
    ]
