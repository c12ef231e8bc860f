"""One index for every grouped read of the ledger: (envelope, kind, budget_year, amount).

The steering page, the plan page and the balances read SUM(amount) GROUP BY envelope, kind
(and budget year) over the whole ledger; with this index PostgreSQL answers from the index
alone, in order (an index-only scan feeding a GroupAggregate), instead of reading every
table row and hashing it (bench/steering_at_scale.py). It replaces (envelope, kind) and the
foreign key's own index on envelope, both prefixes of it, so an INSERT still maintains the
same number of indexes less one.

The index-only scan needs the table's visibility map, which VACUUM sets. The ledger is
append-only, so its autovacuum runs are triggered by inserts (PostgreSQL >= 13); by default
only after 20% more rows, during which the newest pages are read from the table. On
PostgreSQL, this lowers that share to 2% for this table (a vacuum of an append-only table
only visits the pages added since the last one).

Built inside the migration's transaction (writes on the ledger wait for it: about one second
per million entries).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

PG_SET = "ALTER TABLE ledger_ledgerentry SET (autovacuum_vacuum_insert_scale_factor = 0.02)"
PG_RESET = "ALTER TABLE ledger_ledgerentry RESET (autovacuum_vacuum_insert_scale_factor)"


def vacuum_more_often(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_SET, params=None)


def vacuum_as_default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_RESET, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0004_hash_chain"),
        ("plans", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The new index first, so that reads by envelope are never left without one.
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(
                fields=["envelope", "kind", "budget_year", "amount"], name="ledger_env_kind_year"
            ),
        ),
        migrations.RemoveIndex(model_name="ledgerentry", name="ledger_env_kind"),
        migrations.AlterField(
            model_name="ledgerentry",
            name="envelope",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="ledger_entries",
                to="plans.envelope",
            ),
        ),
        migrations.RunPython(vacuum_more_often, vacuum_as_default),
    ]
