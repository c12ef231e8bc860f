"""An award's history is append-only in the database too, like the ledger's and the
dossier's (plania/ledger/migrations/0002, plania/applications/migrations/0002): on
PostgreSQL, row triggers refuse UPDATE and DELETE of awards_awardevent. The hash chain
(0002) detects tampering; these triggers refuse it.
"""

from django.db import migrations

PG_INSTALL = """
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
PG_REMOVE = """
DROP TRIGGER IF EXISTS awards_event_no_update ON awards_awardevent;
DROP TRIGGER IF EXISTS awards_event_no_delete ON awards_awardevent;
DROP FUNCTION IF EXISTS awards_event_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("awards", "0002_awardevent_chain_hash")]
    operations = [migrations.RunSQL(PG_INSTALL, PG_REMOVE)]
