"""The ledger's sums per envelope, kind and budget year, kept by a trigger (issue 12).

The trigger adds each new entry to its (envelope, kind, budget year) row in the same
transaction; the existing entries are summed once here. The entries are append-only
(0002), so an insert is the only change the sums follow.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0005_covering_index'),
        ('plans', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='LedgerYearTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('allocation', 'Affectation'), ('commitment', 'Engagement'), ('decommitment', 'Dégagement'), ('payment', 'Mandatement'), ('repayment', 'Remboursement')], max_length=20)),
                ('budget_year', models.PositiveSmallIntegerField()),
                ('amount', models.DecimalField(decimal_places=2, max_digits=16)),
                ('envelope', models.ForeignKey(on_delete=django.db.models.deletion.RESTRICT, related_name='year_totals', to='plans.envelope')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('envelope', 'kind', 'budget_year'), name='ledger_year_total_key')],
            },
        ),
        migrations.RunSQL(
            sql="""
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
INSERT INTO ledger_ledgeryeartotal (envelope_id, kind, budget_year, amount)
    SELECT envelope_id, kind, budget_year, SUM(amount)
    FROM ledger_ledgerentry GROUP BY envelope_id, kind, budget_year;
""",
            reverse_sql="""
DROP TRIGGER IF EXISTS ledger_entry_year_total ON ledger_ledgerentry;
DROP FUNCTION IF EXISTS plania_ledger_year_total();
""",
        ),
    ]
