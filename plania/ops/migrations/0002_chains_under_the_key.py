"""The hash chains under the chains' key (issue 13, item 5; plania.core.chain).

Rows written before were chained with plain SHA-256, which anyone with database access
can recompute. This migration first checks every chain in that old form, and stops,
naming the rows, if one does not match (the history must be investigated before it is
sealed: re-hashing it would launder an edit); then it re-hashes every row under
PLANIA_CHAIN_KEY (history rows: HMAC; ledger entries: their seal) and moves each
envelope's chain head. The append-only triggers are disabled for the time of the
migration. The fields are copied here: a migration keeps the models of its time.
"""

from django.db import migrations

from plania.core.chain import canonical, link, plain_link, sealed_link

CHAINS = [
    (
        "ledger",
        "LedgerEntry",
        (
            "envelope_id",
            "kind",
            "amount",
            "budget_year",
            "value_date",
            "reference",
            "reason",
            "commitment_id",
            "actor_id",
            "actor_label",
            "recorded_at",
        ),
        ("envelope_id",),
        sealed_link,
    ),
    (
        "applications",
        "ApplicationEvent",
        ("application_id", "transition", "from_state", "to_state", "actor_id", "at", "reason"),
        ("application_id",),
        link,
    ),
    (
        "instruction",
        "Proposal",
        (
            "application_id",
            "envelope_id",
            "officer_id",
            "recommendation",
            "summary",
            "amount",
            "grant_amount",
            "advance_amount",
            "advance_gge_amount",
            "total_gge_amount",
            "computed_amount",
            "requested_amount",
            "eligible_cost",
            "legal_basis",
            "legal_basis_text_fr",
            "legal_basis_text_en",
            "de_minimis_status",
            "de_minimis",
            "scheme_code",
            "scheme_version",
            "rules_date",
            "rules",
            "officer_score",
            "expert_average",
            "expert_count",
            "created_at",
        ),
        ("application_id",),
        link,
    ),
    (
        "awards",
        "AwardEvent",
        (
            "session_id",
            "item_id",
            "award_id",
            "payment_request_id",
            "action",
            "from_state",
            "to_state",
            "actor_id",
            "at",
            "reason",
        ),
        ("session_id", "item_id", "award_id", "payment_request_id"),
        link,
    ),
]


def _rehash(apps, schema_editor, *, forward: bool) -> None:
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for app_label, name, hashed, chain_fields, keyed in CHAINS:
        Model = apps.get_model(app_label, name)
        table = schema_editor.quote_name(Model._meta.db_table)
        old, new = (plain_link, keyed) if forward else (keyed, plain_link)
        previous_old: dict[tuple, str] = {}
        previous_new: dict[tuple, str] = {}
        broken, changed = [], []
        for row in Model._base_manager.order_by(*chain_fields, "pk").iterator(chunk_size=2000):
            key = tuple(getattr(row, field) for field in chain_fields)
            payload = canonical(row, hashed)
            if row.chain_hash != old(previous_old.get(key, ""), payload):
                broken.append(row.pk)
            previous_old[key] = row.chain_hash
            row.chain_hash = new(previous_new.get(key, ""), payload)
            previous_new[key] = row.chain_hash
            changed.append(row)
        if broken:
            raise RuntimeError(
                f"{Model._meta.db_table}: rows {broken[:20]} do not match their chain; "
                "run `plania verify_integrity` on the previous version and investigate "
                "before sealing the history under the key"
            )
        if not changed:
            continue
        schema_editor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        Model._base_manager.bulk_update(changed, ["chain_hash"], batch_size=1000)
        schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        if name == "LedgerEntry":
            Balance = apps.get_model("ledger", "EnvelopeBalance")
            for (envelope_id,), head in previous_new.items():
                Balance._base_manager.filter(envelope_id=envelope_id).update(chain_head=head)


def forwards(apps, schema_editor):
    _rehash(apps, schema_editor, forward=True)


def backwards(apps, schema_editor):
    _rehash(apps, schema_editor, forward=False)


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0001_initial"),
        ("ledger", "0007_pgtrigger_append_only"),
        ("applications", "0004_pgtrigger_append_only"),
        ("instruction", "0004_pgtrigger_append_only"),
        ("awards", "0008_pgtrigger_append_only"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
