"""The yearly totals' trigger declared with django-pgtrigger (LedgerEntry.Meta.triggers)
instead of 0006's hand-written one, which is dropped first; the totals are unchanged."""

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
            trigger=pgtrigger.compiler.Trigger(name='year_total', sql=pgtrigger.compiler.UpsertTriggerSql(func='\n    INSERT INTO ledger_ledgeryeartotal (envelope_id, kind, budget_year, amount)\n    VALUES (NEW.envelope_id, NEW.kind, NEW.budget_year, NEW.amount)\n    ON CONFLICT (envelope_id, kind, budget_year)\n    DO UPDATE SET amount = ledger_ledgeryeartotal.amount + EXCLUDED.amount;\n    RETURN NULL;\n', hash='82e55a4df361e54d417a0b4919999c749f883583', operation='INSERT', pgid='pgtrigger_year_total_3fca8', table='ledger_ledgerentry', when='AFTER')),
        ),
    ]
