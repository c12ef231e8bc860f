"""The budget ledger: append-only entries on an envelope and a budget year.

Balances are derived from entries (plania.ledger.selectors); every movement goes through
one service (plania.ledger.services) under a row lock. Rows are never updated nor
deleted: the ORM refuses here, and database triggers refuse raw SQL (Meta.triggers).
A correction is a new entry.

Tamper-evident (plania.core.chain): one hash chain per envelope. An entry's `chain_hash`
is sha256(previous entry's chain_hash on the same envelope + canonical JSON of
HASHED_FIELDS: envelope_id, kind, amount, budget_year, value_date, reference, reason,
commitment_id, actor_id, actor_label, recorded_at + that JSON's seal, an HMAC under the
chains' key; plania.core.chain.sealed_link); the envelope's EnvelopeBalance row
keeps the chain head. The services advance the head in SQL, in the UPDATE of that row
which already serialises the envelope's writers, then insert the entry with the new head.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plania.core.models import AppendOnlyError, AppendOnlyModel, append_only_triggers
from plania.ledger.enums import EntryKind


class LedgerImmutableError(AppendOnlyError):
    """Raised when code tries to change or delete a ledger row."""


# Adds the new entries' amounts to their (envelope, kind, budget year) totals, in the
# writing transaction (LedgerYearTotal): once per statement, from its transition table, so
# that a bulk insert (LedgerBatch) updates each total once, not once per row.
YEAR_TOTAL_FUNC = """
    INSERT INTO ledger_ledgeryeartotal (envelope_id, kind, budget_year, amount)
    SELECT envelope_id, kind, budget_year, SUM(amount) FROM new_entries
    GROUP BY envelope_id, kind, budget_year
    ON CONFLICT (envelope_id, kind, budget_year)
    DO UPDATE SET amount = ledger_ledgeryeartotal.amount + EXCLUDED.amount;
    RETURN NULL;
"""


class LedgerEntry(AppendOnlyModel):
    HASHED_FIELDS = (
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
    )
    CHAIN_FIELDS = ("envelope_id",)
    # Its hash is computed in SQL over a seal made here (plania.core.chain.sealed_link).
    CHAIN_SEALED = True

    # No index of its own: `ledger_env_kind_year` starts with the envelope.
    envelope = models.ForeignKey(
        "plans.Envelope", on_delete=models.RESTRICT, related_name="ledger_entries", db_index=False
    )
    kind = models.CharField(_("mouvement"), max_length=20, choices=EntryKind.choices)
    amount = models.DecimalField(_("montant (EUR)"), max_digits=14, decimal_places=2)
    budget_year = models.PositiveSmallIntegerField(_("exercice"))
    value_date = models.DateField(_("date"))
    reference = models.CharField(_("référence"), max_length=200)
    reason = models.TextField(_("motif"))
    # The commitment a de-commitment, payment or repayment belongs to.
    commitment = models.ForeignKey(
        "self",
        on_delete=models.RESTRICT,
        related_name="movements",
        null=True,
        blank=True,
        limit_choices_to={"kind": EntryKind.COMMITMENT},
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, null=True, blank=True
    )
    # Who acted when no person did (e.g. "load_plan occitanie-ia-2024-2028.yaml").
    actor_label = models.CharField(max_length=200, blank=True)
    # Set before the row is written (not auto_now_add): it is part of the hashed fields.
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    # sha256 chaining this entry to the previous one on its envelope (module docstring).
    chain_hash = models.CharField(max_length=64, default="", editable=False)

    append_only_error = LedgerImmutableError
    append_only_noun = "Ledger entries"
    append_only_hint = "record a new entry"

    class Meta:
        ordering = ["id"]
        # Raw SQL cannot UPDATE or DELETE an entry either (django-pgtrigger; TRUNCATE is
        # left to the table owner: the test runner empties tables with it).
        # And each new entry is added to its yearly total (LedgerYearTotal, below).
        triggers = [
            *append_only_triggers("ledger entries are append-only"),
            pgtrigger.Trigger(
                name="year_total",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                level=pgtrigger.Statement,
                referencing=pgtrigger.Referencing(new="new_entries"),
                func=YEAR_TOTAL_FUNC,
            ),
        ]
        verbose_name = _("écriture")
        verbose_name_plural = _("grand livre")
        indexes = [
            # Covers every grouped read of the balances (GROUP BY envelope, kind[, budget
            # year] with SUM(amount), plania.ledger.selectors): PostgreSQL answers them from
            # the index alone, in order, without reading the table's rows. It also serves
            # lookups by envelope (the foreign key's own index would be a prefix of it).
            models.Index(
                fields=["envelope", "kind", "budget_year", "amount"], name="ledger_env_kind_year"
            )
        ]
        constraints = [
            models.CheckConstraint(
                # Only an allocation can be negative (a downward budget revision).
                condition=(Q(kind=EntryKind.ALLOCATION) & ~Q(amount=0)) | Q(amount__gt=0),
                name="ledger_amount_sign",
                violation_error_message=_(
                    "Le montant d'un mouvement doit être positif (seule une affectation peut "
                    "être négative)."
                ),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[EntryKind.ALLOCATION, EntryKind.COMMITMENT])
                | Q(commitment__isnull=False),
                name="ledger_movement_has_commitment",
                violation_error_message=_(
                    "Un dégagement, un mandatement ou un remboursement se rattache à un engagement."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} EUR {self.envelope_id} ({self.reference})"


class EnvelopeBalance(models.Model):
    """Running totals of one envelope, kept by the ledger services in the same transaction
    as the entry they come from, in integer cents.

    The entries remain the truth: pages and exports derive balances from them
    (plania.ledger.selectors), and `balances_match_entries()` checks these totals against
    the entries. This row exists so that a commitment is one conditional UPDATE per level
    (`committed + amount <= allocated`), which PostgreSQL serialises on the row and
    re-checks after a concurrent writer commits, and so that the database itself refuses
    an over-commitment (the CHECK constraint below), whatever the code above it does.
    """

    envelope = models.OneToOneField(
        "plans.Envelope", on_delete=models.RESTRICT, primary_key=True, related_name="balance"
    )
    # False for a sub-envelope without a cap of its own: it draws on its parent.
    constrained = models.BooleanField()
    allocated_cents = models.BigIntegerField(default=0)
    # Net of de-commitments, for the envelope and everything below it.
    committed_cents = models.BigIntegerField(default=0)
    # The chain_hash of the envelope's last ledger entry ("" before the first).
    chain_head = models.CharField(max_length=64, default="", editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(constrained=False)
                | Q(committed_cents__lte=models.F("allocated_cents")),
                name="envelope_never_overcommitted",
                violation_error_message=_(
                    "Une enveloppe ne peut pas être engagée au-delà de ses crédits."
                ),
            ),
            models.CheckConstraint(
                condition=Q(committed_cents__gte=0),
                name="envelope_committed_not_negative",
                violation_error_message=_("Le montant engagé ne peut pas être négatif."),
            ),
        ]


class LedgerYearTotal(models.Model):
    """The sum of the entries of one envelope, kind and budget year, kept by the database.

    A trigger on the ledger's table (LedgerEntry.Meta.triggers, django-pgtrigger) adds
    each new entry's amount to its
    row, in the transaction that writes the entry, whoever writes it (the services, the
    batch writer of the demo and benchmarks, a restore). The entries are append-only, so
    the sums never need more than that. The steering page, the plan's balances and the
    budget-year tables read these few hundred rows instead of grouping a million entries
    (issue 12: 243 ms of SQL at a million entries); `verify_integrity` checks them against
    the entries (`selectors.year_totals_problems`).
    """

    envelope = models.ForeignKey(
        "plans.Envelope", on_delete=models.RESTRICT, related_name="year_totals"
    )
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    budget_year = models.PositiveSmallIntegerField()
    amount = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["envelope", "kind", "budget_year"], name="ledger_year_total_key"
            )
        ]
