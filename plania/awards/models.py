"""Committee sessions, decisions, awards, agreements, payments and repayable advances.

DESIGN.md sections 3, 5 and 6: CommitteeSession -> AgendaItem (its Decision) -> Award ->
Agreement -> ScheduledPayment / PaymentRequest / Payment -> Instalment / Repayment.

- An agenda item puts either an officer's proposal on a dossier (`instruction.Proposal`)
  or a direct proposal to a named body (`DirectProposal`, no call, no dossier) before the
  Commission permanente; its decision (approved, rejected, adjourned) is written once.
- Money moves only through plania.ledger.services: an award points at its commitment
  entry, a payment at its payment entry, a repayment at its repayment entry (RESTRICT:
  nothing here can be deleted while the ledger refers to it). The amounts kept here are
  what was decided and what each movement was for; the balances come from the ledger.
- `AwardEvent` is the history of every state change (who, when, from, to, why); never
  updated nor deleted.
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.utils.translation import gettext_lazy as _

from plania.awards.enums import (
    AwardState,
    DocumentKind,
    LegalBasis,
    LineStatus,
    Outcome,
    RepaymentSource,
    RequestState,
    ScheduleKind,
    SessionState,
    SignatureMethod,
)
from plania.core.models import AppendOnlyError, AppendOnlyModel
from plania.instruction.enums import Recommendation

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}
# SQLite adds decimals as binary floats (50000 + 0.07 may differ from 50000.07 in the last
# bit): a sum is checked to within half a cent, which is exact for amounts in cents.
HALF_CENT = Value(Decimal("0.005"))


def sum_is(total: str, *parts: str) -> Q:
    """`total` == the sum of `parts`, in a CHECK that holds on SQLite and PostgreSQL."""
    expression: Any = F(parts[0])
    for part in parts[1:]:
        expression = expression + F(part)
    return Q(**{f"{total}__gte": expression - HALF_CENT}) & Q(
        **{f"{total}__lte": expression + HALF_CENT}
    )


class ImmutableError(AppendOnlyError):
    """Raised when code tries to change or delete a history row."""


class CommitteeSession(models.Model):
    """A session of the Commission permanente."""

    held_on = models.DateField(_("date de la séance"))
    title = models.CharField(_("intitulé"), max_length=200)
    # Deliberations of the session are numbered "<prefix>/<n>", e.g. "CP/2025-06/12".
    deliberation_prefix = models.CharField(_("préfixe des délibérations"), max_length=40)
    state = models.CharField(
        _("état"), max_length=20, choices=SessionState.choices, default=SessionState.PLANNED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, related_name="+"
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("séance de la Commission permanente")
        verbose_name_plural = _("séances de la Commission permanente")
        constraints = [
            models.UniqueConstraint(
                fields=["deliberation_prefix"],
                name="awards_session_prefix_unique",
                violation_error_message=_("Une séance porte déjà ce préfixe de délibération."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=SessionState.values),
                name="awards_session_state_known",
                violation_error_message=_("État de séance inconnu."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on.isoformat()})"


class DirectProposal(models.Model):
    """An award proposed by an officer to a named body, without a call nor a dossier
    (a research institute, the regional supercomputer, a training body...)."""

    envelope = models.ForeignKey(
        "plans.Envelope", on_delete=models.RESTRICT, related_name="+", verbose_name=_("enveloppe")
    )
    beneficiary_name = models.CharField(_("bénéficiaire"), max_length=255)
    beneficiary_siret = models.CharField(_("SIRET du bénéficiaire"), max_length=14)
    beneficiary_email = models.EmailField(_("adresse e-mail du bénéficiaire"), blank=True)
    purpose = models.CharField(_("objet"), max_length=256)
    # A direct award is a grant (research bodies, training bodies, events): no advance.
    amount = models.DecimalField(_("montant proposé (EUR)"), **MONEY)
    legal_basis = models.CharField(_("base juridique"), max_length=20, choices=LegalBasis.choices)
    justification = models.TextField(_("motivation"), blank=True)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.RESTRICT,
        related_name="+",
        verbose_name=_("instructeur"),
    )
    created_at = models.DateTimeField(_("proposée le"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("proposition d'attribution directe")
        verbose_name_plural = _("propositions d'attribution directe")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="awards_direct_amount_positive",
                violation_error_message=_("Le montant proposé doit être positif."),
            ),
            models.CheckConstraint(
                condition=Q(beneficiary_siret__regex=r"^[0-9]{14}$"),
                name="awards_direct_siret_14_digits",
                violation_error_message=_("Un SIRET a 14 chiffres."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary_name} — {self.purpose}"


class AgendaItem(models.Model):
    """One proposal on a session's agenda, and the decision on it (written once).

    The proposed figures are copied from the proposal when it is put on the agenda: the
    committee decides on what it was shown.
    """

    session = models.ForeignKey(CommitteeSession, on_delete=models.RESTRICT, related_name="items")
    position = models.PositiveIntegerField(_("n° d'ordre"))
    proposal = models.ForeignKey(
        "instruction.Proposal",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="agenda_items",
    )
    direct = models.ForeignKey(
        DirectProposal,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="agenda_items",
    )
    envelope = models.ForeignKey("plans.Envelope", on_delete=models.RESTRICT, related_name="+")
    beneficiary_name = models.CharField(_("bénéficiaire"), max_length=255)
    dossier_reference = models.CharField(_("dossier"), max_length=30, blank=True)
    proposed_total = models.DecimalField(_("montant proposé (EUR)"), **MONEY)
    proposed_grant = models.DecimalField(_("dont subvention (EUR)"), **MONEY)
    proposed_advance = models.DecimalField(_("dont avance remboursable (EUR)"), **MONEY)
    # Empty for an unfavourable proposal the rules core could not award.
    legal_basis = models.CharField(
        _("base juridique"), max_length=20, choices=LegalBasis.choices, blank=True
    )
    # The officer's recommendation (favourable, unfavourable), as shown to the committee
    # (by its label: get_recommendation_display).
    recommendation = models.CharField(
        _("avis de l'instructeur"), max_length=20, blank=True, choices=Recommendation.choices
    )
    # The decision.
    outcome = models.CharField(
        _("décision"), max_length=20, choices=Outcome.choices, default=Outcome.PENDING
    )
    approved_grant = models.DecimalField(
        _("subvention accordée (EUR)"), null=True, blank=True, **MONEY
    )
    approved_advance = models.DecimalField(
        _("avance accordée (EUR)"), null=True, blank=True, **MONEY
    )
    reason = models.TextField(_("motif"), blank=True)
    deliberation_reference = models.CharField(_("délibération"), max_length=60, blank=True)
    decided_on = models.DateField(_("date de la délibération"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "position"]
        verbose_name = _("point de l'ordre du jour")
        verbose_name_plural = _("points de l'ordre du jour")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "position"], name="awards_item_position_unique"
            ),
            models.CheckConstraint(
                condition=(Q(proposal__isnull=False) & Q(direct__isnull=True))
                | (Q(proposal__isnull=True) & Q(direct__isnull=False)),
                name="awards_item_one_proposal",
                violation_error_message=_(
                    "Un point porte soit une proposition sur un dossier, soit une attribution "
                    "directe."
                ),
            ),
            # A proposal is decided once; adjourned, it may come back at a later session.
            models.UniqueConstraint(
                fields=["proposal"],
                condition=~Q(outcome=Outcome.ADJOURNED),
                name="awards_item_proposal_once",
                violation_error_message=_("Cette proposition est déjà inscrite ou décidée."),
            ),
            models.UniqueConstraint(
                fields=["direct"],
                condition=~Q(outcome=Outcome.ADJOURNED),
                name="awards_item_direct_once",
                violation_error_message=_("Cette proposition est déjà inscrite ou décidée."),
            ),
            models.UniqueConstraint(
                fields=["deliberation_reference"],
                condition=~Q(deliberation_reference=""),
                name="awards_item_deliberation_unique",
                violation_error_message=_("Cette référence de délibération est déjà utilisée."),
            ),
            models.CheckConstraint(
                condition=Q(proposed_grant__gte=0)
                & Q(proposed_advance__gte=0)
                & sum_is("proposed_total", "proposed_grant", "proposed_advance"),
                name="awards_item_proposed_split",
                violation_error_message=_(
                    "Le montant proposé est la somme de la subvention et de l'avance."
                ),
            ),
            # Approved: amounts never above the proposal, a deliberation and a date.
            models.CheckConstraint(
                condition=~Q(outcome=Outcome.APPROVED)
                | (
                    Q(approved_grant__gte=0)
                    & Q(approved_advance__gte=0)
                    & Q(approved_grant__lte=F("proposed_grant"))
                    & Q(approved_advance__lte=F("proposed_advance"))
                    & ~Q(deliberation_reference="")
                    & Q(decided_on__isnull=False)
                ),
                name="awards_item_approved_within_proposal",
                violation_error_message=_(
                    "Une aide accordée ne dépasse jamais la proposition et porte une "
                    "délibération datée."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(outcome=Outcome.REJECTED)
                | (~Q(reason="") & ~Q(deliberation_reference="") & Q(decided_on__isnull=False)),
                name="awards_item_rejection_has_reason",
                violation_error_message=_("Un refus est motivé et porte une délibération datée."),
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=Outcome.values),
                name="awards_item_outcome_known",
                violation_error_message=_("Décision inconnue."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.position} {self.beneficiary_name}"

    @property
    def approved_total(self) -> Any:
        if self.approved_grant is None or self.approved_advance is None:
            return None
        return self.approved_grant + self.approved_advance


class Award(models.Model):
    """What the Commission permanente granted, to a dossier's company or to a named body."""

    reference = models.CharField(_("référence"), max_length=40, unique=True)
    item = models.OneToOneField(AgendaItem, on_delete=models.RESTRICT, related_name="award")
    # Either a dossier (with the officer's proposal) or a direct beneficiary.
    application = models.OneToOneField(
        "applications.Application",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="award",
    )
    direct = models.OneToOneField(
        DirectProposal, on_delete=models.RESTRICT, null=True, blank=True, related_name="award"
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


class Agreement(models.Model):
    """The agreement (convention) of an award: the PDF generated from the template, kept
    as generated (its SHA-256 is what a signature accepts), and how it was signed."""

    award = models.OneToOneField(Award, on_delete=models.RESTRICT, related_name="agreement")
    stored_name = models.CharField(max_length=255, unique=True)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    generated_at = models.DateTimeField()
    signed_at = models.DateTimeField(_("signée le"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    signer_name = models.CharField(_("signataire"), max_length=200, blank=True)
    signature_method = models.CharField(
        _("mode de signature"), max_length=20, choices=SignatureMethod.choices, blank=True
    )
    signed_document = models.OneToOneField(
        "AwardDocument", on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("convention")
        verbose_name_plural = _("conventions")
        constraints = [
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True, signature_method="")
                | (Q(signed_at__isnull=False) & ~Q(signature_method="") & ~Q(signer_name="")),
                name="awards_agreement_signature_recorded",
                violation_error_message=_("Une signature dit qui a signé, quand et comment."),
            ),
        ]


class AwardDocument(models.Model):
    """A file about an award (signed agreement, supporting documents, final report),
    checked like a dossier's attachments (plania.documents) and kept in the private
    storage under a random name."""

    award = models.ForeignKey(Award, on_delete=models.RESTRICT, related_name="documents")
    payment_request = models.ForeignKey(
        "PaymentRequest",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="documents",
    )
    kind = models.CharField(_("nature"), max_length=30, choices=DocumentKind.choices)
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    stored_name = models.CharField(max_length=255, unique=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("document de l'aide")
        verbose_name_plural = _("documents des aides")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DocumentKind.values),
                name="awards_document_kind_known",
                violation_error_message=_("Nature de document inconnue."),
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class ScheduledPayment(models.Model):
    """A line of the award's payment schedule (e.g. 50 % on signature, balance on the
    final report)."""

    award = models.ForeignKey(Award, on_delete=models.RESTRICT, related_name="schedule")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=ScheduleKind.choices)
    amount = models.DecimalField(_("montant prévu (EUR)"), **MONEY)

    class Meta:
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
        CommitteeSession, on_delete=models.RESTRICT, null=True, blank=True, related_name="events"
    )
    item = models.ForeignKey(
        AgendaItem, on_delete=models.RESTRICT, null=True, blank=True, related_name="events"
    )
    award = models.ForeignKey(
        Award, on_delete=models.RESTRICT, null=True, blank=True, related_name="events"
    )
    payment_request = models.ForeignKey(
        PaymentRequest, on_delete=models.RESTRICT, null=True, blank=True, related_name="events"
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
