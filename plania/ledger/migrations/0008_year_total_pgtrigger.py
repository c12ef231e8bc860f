"""The yearly totals' trigger declared with django-pgtrigger (LedgerEntry.Meta.triggers),
once per statement from its transition table, instead of 0006's hand-written row
trigger, which is dropped first; the totals are unchanged."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0007_pgtrigger_append_only'),
    ]

    operations = [
        migrations.RunSQL(
            sql="""
DROP TRIGGER IF EXISTS ledger_entry_year_total ON ledger_ledgerentry;
DROP FUNCTION IF EXISTS plania_ledger_year_total();
""",
            reverse_sql="""
CREATE FUNCTION plania_ledger_year_total() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ledger_ledgeryeartotal (envelope_id, kind, budget_year, amount)
    VALUES (NEW.envelope_id, NEW.kind, NEW.budget_year, NEW.amount)
    ON CONFLICT (envelope_id, kind, budget_year)
    DO UPDATE SET amount = ledger_ledgeryeartotal.amount + EXCLUDED.amount;
    RETURN NULL;
END;
$$;
CREATE TRIGGER ledger_entry_year_total AFTER INSERT ON ledger_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION plania_ledger_year_total();
""",
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='ledgerentry',
            trigger=pgtrigger.compiler.Trigger(name='year_total', sql=pgtrigger.compiler.UpsertTriggerSql(func='\n    INSERT INTO ledger_ledgeryeartotal (envelope_id, kind, budget_year, amount)\n    SELECT envelope_id, kind, budget_year, SUM(amount) FROM new_entries\n    GROUP BY envelope_id, kind, budget_year\n    ON CONFLICT (envelope_id, kind, budget_year)\n    DO UPDATE SET amount = ledger_ledgeryeartotal.amount + EXCLUDED.amount;\n    RETURN NULL;\n', hash='52d0fbedd37018bae5a2f370fb4a23d487c83d62', level='STATEMENT', operation='INSERT', pgid='pgtrigger_year_total_3fca8', referencing='REFERENCING NEW TABLE AS new_entries ', table='ledger_ledgerentry', when='AFTER')),
        ),
    ]
