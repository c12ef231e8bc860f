"""A dossier's history is append-only in the database too (as the ledger's, see
plania/ledger/migrations/0002): on PostgreSQL, row triggers refuse UPDATE and DELETE of
applications_applicationevent; the ORM refuses too (plania.applications.models).
"""

from django.db import migrations

PG_INSTALL = """
CREATE OR REPLACE FUNCTION applications_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'dossier history is append-only: % refused on applications_applicationevent id %',
        TG_OP, OLD.id USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER applications_event_no_update BEFORE UPDATE ON applications_applicationevent
    FOR EACH ROW EXECUTE FUNCTION applications_event_append_only();
CREATE TRIGGER applications_event_no_delete BEFORE DELETE ON applications_applicationevent
    FOR EACH ROW EXECUTE FUNCTION applications_event_append_only();
"""
PG_REMOVE = """
DROP TRIGGER IF EXISTS applications_event_no_update ON applications_applicationevent;
DROP TRIGGER IF EXISTS applications_event_no_delete ON applications_applicationevent;
DROP FUNCTION IF EXISTS applications_event_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("applications", "0001_initial")]
    operations = [migrations.RunSQL(PG_INSTALL, PG_REMOVE)]
