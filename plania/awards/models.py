"""The award itself and its history.

DESIGN.md sections 3, 5 and 6: committee.CommitteeSession -> committee.AgendaItem (its
decision) -> Award -> agreements.Agreement -> payments (ScheduledPayment, PaymentRequest,
Payment) -> repayments (Instalment, Repayment). Each of those rooms owns its models; this
one owns what they all refer to (docs/architecture.md).

- Money moves only through plania.ledger.services: an award points at its commitment
  entry (RESTRICT: nothing here can be deleted while the ledger refers to it). The amounts
  kept here are what was decided; the balances come from the ledger.
- `AwardEvent` is the history of every state change of a session, a decision, an award
  or a payment request (who, when, from, to, why); never updated nor deleted.
- `MONEY` and `sum_is` are the money field and the sum check of every room of the award's
  life (committee, agreements, payments, repayments).
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from plania.awards.enums import AwardState, LegalBasis
from plania.core.models import AppendOnlyError, AppendOnlyModel, append_only_triggers

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}


def sum_is(total: str, *parts: str) -> Q:
    """`total` == the sum of `parts`, exactly (PostgreSQL's numeric adds decimals exactly)."""
    expression: Any = F(parts[0])
    for part in parts[1:]:
        expression = expression + F(part)
    return Q(**{total: expression})


class ImmutableError(AppendOnlyError):
    """Raised when code tries to change or delete a history row."""


class Award(models.Model):
    """What the Commission permanente granted, to a dossier's company or to a named body."""

    reference = models.CharField(_("référence"), max_length=40, unique=True)
    item = models.OneToOneField(
        "committee.AgendaItem", on_delete=models.RESTRICT, related_name="award"
    )
    # Either a dossier (with the officer's proposal) or a direct beneficiary.
    application = models.OneToOneField(
        "applications.Application",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="award",
    )
    direct = models.OneToOneField(
        "committee.DirectProposal",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="award",
    )
    company = models.ForeignKey(
        "companies.Company", on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    beneficiary_name = models.CharField(_("bénéficiaire"), max_length=255)
    beneficiary_siret = models.CharField(_("SIRET du bénéficiaire"), max_length=14, blank=True)
    beneficiary_email = models.EmailField(blank=True)
    purpose = models.CharField(_("objet"), max_length=256)
    scheme_code = models.CharField(_("dispositif"), max_length=100, blank=True)
    envelope = models.ForeignKey("plans.Envelope", on_delete=models.RESTRICT, related_name="+")
    budget_year = models.PositiveSmallIntegerField(_("exercice d'engagement"))
    commitment = models.OneToOneField(
        "ledger.LedgerEntry", on_delete=models.RESTRICT, related_name="award"
    )
    total = models.DecimalField(_("montant de l'aide (EUR)"), **MONEY)
    grant = models.DecimalField(_("subvention (EUR)"), **MONEY)
    advance = models.DecimalField(_("avance remboursable (EUR)"), **MONEY)
    advance_gge = models.DecimalField(_("équivalent-subvention brut de l'avance (EUR)"), **MONEY)
    total_gge = models.DecimalField(_("aide totale en équivalent-subvention brut (EUR)"), **MONEY)
    legal_basis = models.CharField(_("base juridique"), max_length=20, choices=LegalBasis.choices)
    legal_basis_text = models.TextField(_("base juridique (motif)"), blank=True)
    de_minimis_amount = models.DecimalField(_("montant de minimis à déclarer (EUR)"), **MONEY)
    # The rules and parameter values used (scheme version, resolved parameters with their
    # sources, the computation's explanation): the CRPA R311-3-1-2 answer, kept as it was.
    rules = models.JSONField(_("règles et paramètres appliqués"), default=dict, blank=True)
    # Repayment terms of the advance, as recorded on the award (from the scheme version).
    deferral_periods = models.PositiveSmallIntegerField(default=0)
    n_instalments = models.PositiveSmallIntegerField(default=1)
    frequency = models.CharField(max_length=10, default="quarterly")
    forgiveness_share = models.DecimalField(max_digits=5, decimal_places=4, default=0)
    # Share of the aid paid when the agreement is signed; the balance on the final report.
    on_signature_share = models.DecimalField(max_digits=5, decimal_places=4)
    deliberation_reference = models.CharField(_("délibération"), max_length=60)
    decided_on = models.DateField(_("date de la délibération"))
    state = models.CharField(
        _("état"), max_length=20, choices=AwardState.choices, default=AwardState.APPROVED
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-pk"]
        verbose_name = _("aide attribuée")
        verbose_name_plural = _("aides attribuées")
        constraints = [
            models.CheckConstraint(
                condition=(Q(application__isnull=False) & Q(direct__isnull=True))
                | (Q(application__isnull=True) & Q(direct__isnull=False)),
                name="awards_award_dossier_or_direct",
                violation_error_message=_(
                    "Une aide est attribuée soit sur un dossier, soit directement à un organisme."
                ),
            ),
            models.CheckConstraint(
                condition=Q(grant__gte=0)
                & Q(advance__gte=0)
                & Q(total__gt=0)
                & sum_is("total", "grant", "advance"),
                name="awards_award_split",
                violation_error_message=_(
                    "Le montant de l'aide est la somme de la subvention et de l'avance."
                ),
            ),
            models.CheckConstraint(
                condition=Q(advance_gge__gte=0)
                & Q(advance_gge__lte=F("advance"))
                & sum_is("total_gge", "grant", "advance_gge")
                & Q(de_minimis_amount__gte=0),
                name="awards_award_gge",
                violation_error_message=_(
                    "L'équivalent-subvention de l'avance est entre 0 et l'avance."
                ),
            ),
            models.CheckConstraint(
                condition=Q(on_signature_share__gte=0)
                & Q(on_signature_share__lte=1)
                & Q(forgiveness_share__gte=0)
                & Q(forgiveness_share__lte=1),
                name="awards_award_shares",
                violation_error_message=_("Une part est comprise entre 0 et 1."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=AwardState.values),
                name="awards_award_state_known",
                violation_error_message=_("État d'aide inconnu."),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def agreement_required(self) -> bool:
        # Décret 2001-495 art. 1: a written agreement above EUR 23,000.
        return self.total > settings.PLANIA_AGREEMENT_THRESHOLD


class AwardEvent(AppendOnlyModel):
    """One step of a session, a decision, an award or a payment: who, when, from, to, why.
    Append-only.

    Tamper-evident (plania.core.chain): one hash chain per subject (the same session,
    item, award and payment request); `chain_hash` covers session_id, item_id, award_id,
    payment_request_id, action, from_state, to_state, actor_id, at and reason, and the
    previous event's hash.
    """

    HASHED_FIELDS = (
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
    )
    CHAIN_FIELDS = ("session_id", "item_id", "award_id", "payment_request_id")
    CHAIN_LOCKS = ("payment_request_id", "award_id", "item_id", "session_id")

    session = models.ForeignKey(
        "committee.CommitteeSession",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="events",
    )
    item = models.ForeignKey(
        "committee.AgendaItem",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="events",
    )
    award = models.ForeignKey(
        Award, on_delete=models.RESTRICT, null=True, blank=True, related_name="events"
    )
    payment_request = models.ForeignKey(
        "payments.PaymentRequest",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="events",
    )
    action = models.CharField(_("étape"), max_length=40)
    from_state = models.CharField(_("de"), max_length=20, blank=True)
    to_state = models.CharField(_("vers"), max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("le"))
    reason = models.TextField(_("motif"), blank=True)
    chain_hash = models.CharField(max_length=64, default="", editable=False)

    append_only_error = ImmutableError
    append_only_noun = "History rows"
    chained = True

    class Meta:
        ordering = ["at", "pk"]
        triggers = append_only_triggers("award history is append-only")
        verbose_name = _("événement")
        verbose_name_plural = _("historique des aides")
        constraints = [
            models.CheckConstraint(
                condition=Q(session__isnull=False)
                | Q(item__isnull=False)
                | Q(award__isnull=False)
                | Q(payment_request__isnull=False),
                name="awards_event_has_subject",
                violation_error_message=_("Un événement porte sur quelque chose."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.from_state}->{self.to_state}"
