"""Repayable advances coming back: the instalments of the repayment schedule, bank
statement imports and their lines, repayments with their ledger entries, and failure
findings.

Money moves only through plania.ledger.services: a repayment points at its repayment
entry, a failure finding at its de-commitment (RESTRICT). The tables keep the names they
had when the awards room held these models (`awards_*`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from plania.awards.models import MONEY, Award, sum_is
from plania.repayments.enums import LineStatus, RepaymentSource


class Instalment(models.Model):
    """A due date of the advance's repayment schedule (plania.rules.schedules). A schedule
    re-established (closing with less paid, failure finding) supersedes the open lines."""

    award = models.ForeignKey(Award, on_delete=models.RESTRICT, related_name="instalments")
    number = models.PositiveSmallIntegerField()
    due_on = models.DateField(_("échéance"))
    amount = models.DecimalField(_("montant (EUR)"), **MONEY)
    reference = models.CharField(_("référence de paiement"), max_length=60)
    superseded = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "awards_instalment"
        ordering = ["award", "due_on", "number", "pk"]
        verbose_name = _("échéance")
        verbose_name_plural = _("échéancier")
        constraints = [
            models.UniqueConstraint(
                fields=["reference"],
                condition=Q(superseded=False),
                name="awards_instalment_reference_unique",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="awards_instalment_amount_positive",
                violation_error_message=_("Une échéance est positive."),
            ),
        ]


class BankStatementImport(models.Model):
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, related_name="+"
    )
    imported_at = models.DateTimeField()
    lines_read = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    unmatched = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "awards_bankstatementimport"
        ordering = ["-imported_at", "-pk"]
        verbose_name = _("import de relevé bancaire")
        verbose_name_plural = _("imports de relevés bancaires")


class BankStatementLine(models.Model):
    """One credit line of a bank statement. Its hash (date, amount, reference, label and
    its rank among identical lines of the same file) is unique among matched lines: a
    file imported twice records each repayment once."""

    statement = models.ForeignKey(
        BankStatementImport, on_delete=models.RESTRICT, related_name="lines"
    )
    line_number = models.PositiveIntegerField()
    value_date = models.DateField(null=True, blank=True)
    amount = models.DecimalField(null=True, blank=True, **MONEY)
    reference = models.CharField(max_length=200, blank=True)
    label = models.CharField(max_length=300, blank=True)
    line_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=20, choices=LineStatus.choices)
    message = models.TextField(blank=True)

    class Meta:
        db_table = "awards_bankstatementline"
        ordering = ["statement", "line_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["line_hash"],
                condition=Q(status=LineStatus.MATCHED),
                name="awards_statement_line_once",
                violation_error_message=_("Cette ligne de relevé a déjà été importée."),
            ),
        ]


class Repayment(models.Model):
    """Money received on an advance, and its ledger entry."""

    award = models.ForeignKey(Award, on_delete=models.RESTRICT, related_name="repayments")
    instalment = models.ForeignKey(
        Instalment, on_delete=models.RESTRICT, null=True, blank=True, related_name="repayments"
    )
    amount = models.DecimalField(_("montant (EUR)"), **MONEY)
    received_on = models.DateField(_("reçu le"))
    reference = models.CharField(_("référence"), max_length=200)
    source = models.CharField(max_length=20, choices=RepaymentSource.choices)
    statement_line = models.OneToOneField(
        BankStatementLine,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="repayment",
    )
    ledger_entry = models.OneToOneField(
        "ledger.LedgerEntry", on_delete=models.RESTRICT, related_name="award_repayment"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        db_table = "awards_repayment"
        ordering = ["received_on", "pk"]
        verbose_name = _("remboursement")
        verbose_name_plural = _("remboursements")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="awards_repayment_amount_positive",
                violation_error_message=_("Un remboursement est positif."),
            ),
        ]


class FailureFinding(models.Model):
    """A failure finding (constat d'échec): the scheme's share of what remains to be
    repaid is forgiven (plania.rules.schedules.failure_finding); see docs/awards.md for
    the ledger entries it writes."""

    award = models.OneToOneField(Award, on_delete=models.RESTRICT, related_name="failure")
    found_on = models.DateField(_("date du constat"))
    reason = models.TextField(_("motif"))
    advance_paid = models.DecimalField(**MONEY)
    repaid_before = models.DecimalField(**MONEY)
    remaining_before = models.DecimalField(**MONEY)
    forgiveness_share = models.DecimalField(max_digits=5, decimal_places=4)
    forgiven = models.DecimalField(_("montant abandonné (EUR)"), **MONEY)
    still_due = models.DecimalField(_("reste dû (EUR)"), **MONEY)
    arrears = models.DecimalField(**MONEY)
    # The unpaid part of the commitment released by the finding (none if all was paid).
    decommitment = models.OneToOneField(
        "ledger.LedgerEntry",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="failure_finding",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        db_table = "awards_failurefinding"
        verbose_name = _("constat d'échec")
        verbose_name_plural = _("constats d'échec")
        constraints = [
            models.CheckConstraint(
                condition=sum_is("remaining_before", "forgiven", "still_due")
                & Q(forgiven__gte=0)
                & Q(still_due__gte=0),
                name="awards_failure_split",
                violation_error_message=_("Le reste avant constat = abandon + reste dû."),
            ),
        ]
