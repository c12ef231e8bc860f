"""Ledger rows are append-only in the database too: raw SQL cannot UPDATE or DELETE them.

On PostgreSQL (production), row triggers refuse UPDATE and DELETE. TRUNCATE is left to
the table owner (the test runner empties tables with it); the application's database role
in production should not own the tables (docs/deploy.md). The ORM refuses too
(plania.ledger.models).
"""

from django.db import migrations

PG_INSTALL = """
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
PG_REMOVE = """
DROP TRIGGER IF EXISTS ledger_entry_no_update ON ledger_ledgerentry;
DROP TRIGGER IF EXISTS ledger_entry_no_delete ON ledger_ledgerentry;
DROP FUNCTION IF EXISTS ledger_entry_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunSQL(PG_INSTALL, PG_REMOVE)]
