"""Payments of an award: its payment schedule, the payment requests (asked by the
beneficiary, certified by an officer) and the payment orders (mandats) with their ledger
entries.

Money moves only through plania.ledger.services: a payment points at its payment entry
(RESTRICT: nothing here can be deleted while the ledger refers to it). The tables keep the
names they had when the awards room held these models (`awards_*`).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from plania.awards.models import MONEY, Award, sum_is
from plania.payments.enums import RequestState, ScheduleKind


class ScheduledPayment(models.Model):
    """A line of the award's payment schedule (e.g. 50 % on signature, balance on the
    final report)."""

    award = models.ForeignKey(Award, on_delete=models.RESTRICT, related_name="schedule")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=ScheduleKind.choices)
    amount = models.DecimalField(_("montant prévu (EUR)"), **MONEY)

    class Meta:
        db_table = "awards_scheduledpayment"
        ordering = ["award", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["award", "position"], name="awards_schedule_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="awards_schedule_amount_positive",
                violation_error_message=_("Un versement prévu est positif."),
            ),
        ]


class PaymentRequest(models.Model):
    """A payment asked by the beneficiary, certified by an officer (liquidation: service
    done, amount fixed), then ordered by finance (mandatement: a Payment)."""

    award = models.ForeignKey(Award, on_delete=models.RESTRICT, related_name="payment_requests")
    line = models.ForeignKey(
        ScheduledPayment, on_delete=models.RESTRICT, related_name="requests", null=True
    )
    amount = models.DecimalField(_("montant demandé (EUR)"), **MONEY)
    note = models.TextField(_("commentaire"), blank=True)
    state = models.CharField(
        _("état"), max_length=20, choices=RequestState.choices, default=RequestState.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, related_name="+"
    )
    requested_at = models.DateTimeField()
    certified_amount = models.DecimalField(
        _("montant liquidé (EUR)"), null=True, blank=True, **MONEY
    )
    certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    certified_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(blank=True)

    class Meta:
        db_table = "awards_paymentrequest"
        ordering = ["requested_at", "pk"]
        verbose_name = _("demande de versement")
        verbose_name_plural = _("demandes de versement")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="awards_request_amount_positive",
                violation_error_message=_("Le montant demandé doit être positif."),
            ),
            models.CheckConstraint(
                condition=~Q(state__in=[RequestState.CERTIFIED, RequestState.ORDERED])
                | (
                    Q(certified_amount__gt=0)
                    & Q(certified_amount__lte=F("amount"))
                    & Q(certified_by__isnull=False)
                ),
                name="awards_request_certified",
                violation_error_message=_(
                    "La liquidation fixe un montant positif, au plus celui demandé, et dit qui "
                    "l'a certifiée."
                ),
            ),
            models.CheckConstraint(
                condition=Q(state__in=RequestState.values),
                name="awards_request_state_known",
                violation_error_message=_("État de demande inconnu."),
            ),
        ]


class Payment(models.Model):
    """A payment order (mandat) and its ledger entry."""

    award = models.ForeignKey(Award, on_delete=models.RESTRICT, related_name="payments")
    request = models.OneToOneField(
        PaymentRequest, on_delete=models.RESTRICT, related_name="payment"
    )
    number = models.CharField(_("n° de mandat"), max_length=60, unique=True)
    amount = models.DecimalField(_("montant (EUR)"), **MONEY)
    # How much of it pays the grant and the repayable advance (pro rata of the award).
    grant_part = models.DecimalField(**MONEY)
    advance_part = models.DecimalField(**MONEY)
    ordered_on = models.DateField(_("date du mandat"))
    budget_year = models.PositiveSmallIntegerField(_("exercice"))
    ledger_entry = models.OneToOneField(
        "ledger.LedgerEntry", on_delete=models.RESTRICT, related_name="award_payment"
    )
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, related_name="+"
    )
    ordered_at = models.DateTimeField()

    class Meta:
        db_table = "awards_payment"
        ordering = ["ordered_on", "pk"]
        verbose_name = _("mandat")
        verbose_name_plural = _("mandats")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0)
                & Q(grant_part__gte=0)
                & Q(advance_part__gte=0)
                & sum_is("amount", "grant_part", "advance_part"),
                name="awards_payment_split",
                violation_error_message=_(
                    "Un mandat est positif et se répartit entre subvention et avance."
                ),
            ),
        ]
