"""A proposal to the committee is a record: on PostgreSQL, row triggers refuse UPDATE and
DELETE of instruction_proposal (as plania/applications/migrations/0002 for the dossier's
history); the ORM refuses too (plania.instruction.models.Proposal).
"""

from django.db import migrations

PG_INSTALL = """
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
PG_REMOVE = """
DROP TRIGGER IF EXISTS instruction_proposal_no_update ON instruction_proposal;
DROP TRIGGER IF EXISTS instruction_proposal_no_delete ON instruction_proposal;
DROP FUNCTION IF EXISTS instruction_proposal_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("instruction", "0001_initial")]
    operations = [migrations.RunSQL(PG_INSTALL, PG_REMOVE)]
