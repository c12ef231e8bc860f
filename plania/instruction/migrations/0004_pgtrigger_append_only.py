"""The append-only triggers of instruction_proposal declared on the model (Meta.triggers)
and installed by django-pgtrigger (issue 12 item 4), in place of the hand-written ones:
the same refusal (message and SQLSTATE 23000).
"""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

DROP_HAND_WRITTEN = """
DROP TRIGGER IF EXISTS instruction_proposal_no_update ON instruction_proposal;
DROP TRIGGER IF EXISTS instruction_proposal_no_delete ON instruction_proposal;
DROP FUNCTION IF EXISTS instruction_proposal_append_only();
"""
RESTORE_HAND_WRITTEN = """
CREATE OR REPLACE FUNCTION instruction_proposal_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'a proposal to the committee is a record: % refused on instruction_proposal id %',
        TG_OP, OLD.id USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER instruction_proposal_no_update BEFORE UPDATE ON instruction_proposal
    FOR EACH ROW EXECUTE FUNCTION instruction_proposal_append_only();
CREATE TRIGGER instruction_proposal_no_delete BEFORE DELETE ON instruction_proposal
    FOR EACH ROW EXECUTE FUNCTION instruction_proposal_append_only();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('instruction', '0003_hash_chain'),
    ]

    operations = [
        migrations.RunSQL(DROP_HAND_WRITTEN, RESTORE_HAND_WRITTEN),
        pgtrigger.migrations.AddTrigger(
            model_name='proposal',
            trigger=pgtrigger.compiler.Trigger(name='append_only_update', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'a proposal to the committee is a record: % refused on % id %', TG_OP, TG_TABLE_NAME, OLD.id USING ERRCODE = 'integrity_constraint_violation';", hash='93acb3c2840a69f3ce3c114f601d02341a6078ed', operation='UPDATE', pgid='pgtrigger_append_only_update_aa96f', table='instruction_proposal', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='proposal',
            trigger=pgtrigger.compiler.Trigger(name='append_only_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'a proposal to the committee is a record: % refused on % id %', TG_OP, TG_TABLE_NAME, OLD.id USING ERRCODE = 'integrity_constraint_violation';", hash='8c23c8436d80b579fb2eff5c78aec9dbdd8860e0', operation='DELETE', pgid='pgtrigger_append_only_delete_4cf6e', table='instruction_proposal', when='BEFORE')),
        ),
    ]
