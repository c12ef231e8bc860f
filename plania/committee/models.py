"""Committee sessions of the Commission permanente, their agenda and decisions.

DESIGN.md section 5: CommitteeSession -> AgendaItem (its decision) -> awards.Award.

- An agenda item puts either an officer's proposal on a dossier (`instruction.Proposal`)
  or a direct proposal to a named body (`DirectProposal`, no call, no dossier) before the
  Commission permanente; its decision (approved, rejected, adjourned) is written once.
- The tables keep the names they had when the awards room held these models
  (`awards_*`, docs/architecture.md): the move to this room changed no row.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from plania.awards.enums import LegalBasis
from plania.awards.models import MONEY, sum_is
from plania.committee.enums import Outcome, SessionState
from plania.instruction.enums import Recommendation


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
        db_table = "awards_committeesession"
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
        db_table = "awards_directproposal"
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
    # The members left out of the decision for a declared conflict of interest, as the
    # deliberation records them (names, written with the decision).
    abstentions = models.TextField(_("membres en conflit d'intérêts"), blank=True)

    class Meta:
        db_table = "awards_agendaitem"
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


class ItemConflict(models.Model):
    """A committee member's declaration of a conflict of interest on one agenda item
    (issue 13): the member is left out of that item's decision (the decision refuses
    them, the item's `abstentions` records them) and no longer reaches its dossier."""

    item = models.ForeignKey(AgendaItem, on_delete=models.RESTRICT, related_name="conflicts")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, related_name="+"
    )
    reason = models.TextField(_("motif"), blank=True)
    declared_at = models.DateTimeField(_("déclaré le"), auto_now_add=True)

    class Meta:
        verbose_name = _("conflit d'intérêts d'un membre")
        verbose_name_plural = _("conflits d'intérêts des membres")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "member"],
                name="committee_conflict_once",
                violation_error_message=_("Ce conflit d'intérêts est déjà déclaré."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_id} — {self.member_id}"
