"""Instruction of dossiers (issue 5 items 1-3 and 6): who instructs which scheme, the
officer's review and scores, private notes, experts and their conflicts of interest, and
the proposal handed to the Commission permanente.

- `SchemeAssignment`: an officer instructs the dossiers of a scheme. Officers see only
  the dossiers of their schemes (plania.instruction.selectors); another scheme's dossier
  is a 404, as if it did not exist.
- `ApplicationAssignment`: the officer in charge of one dossier ("assign to me").
- `InternalNote`: a private note on a dossier, for officers, experts and the committee;
  applicants never see it (no applicant page or API reads this table).
- `Review`: the officer's scores on the scheme version's scoring grid
  (plania/data/scoring/, `plania.rules.scoring`), summary, recommendation and proposed
  amount. One per dossier; the last officer who saved it is `officer`.
- `ExpertInvitation`, `ConflictDeclaration`, `ExpertOpinion`: an expert is invited, first
  declares whether they have a conflict of interest, then (without one) gives a structured
  opinion: a score per criterion of the grid, a text, a recommendation. A conflicted
  expert sees nothing more of the dossier, and is left out of every average.
- `Proposal`: what the officer proposes to the committee (see its docstring).
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from plania.core.models import AppendOnlyError, AppendOnlyModel, append_only_triggers
from plania.instruction.enums import ConflictStatus, InvitationStatus, LegalBasis, Recommendation

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}
TEXT_MAX_LENGTH = 10_000


class SchemeAssignment(models.Model):
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="scheme_assignments",
        verbose_name=_("instructeur"),
    )
    scheme_code = models.SlugField(_("dispositif"), max_length=100)
    assigned_at = models.DateTimeField(_("affecté le"), auto_now_add=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("affecté par"),
    )

    class Meta:
        ordering = ["scheme_code", "officer__email"]
        verbose_name = _("affectation à un dispositif")
        verbose_name_plural = _("affectations aux dispositifs")
        constraints = [
            models.UniqueConstraint(
                fields=["officer", "scheme_code"],
                name="instruction_scheme_assignment_unique",
                violation_error_message=_("Cet instructeur est déjà affecté à ce dispositif."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.officer} — {self.scheme_code}"


class ApplicationAssignment(models.Model):
    """The officer in charge of a dossier (one at a time; reassigning replaces it)."""

    application = models.OneToOneField(
        "applications.Application",
        on_delete=models.CASCADE,
        related_name="assignment",
        verbose_name=_("dossier"),
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.RESTRICT,
        related_name="assigned_applications",
        verbose_name=_("instructeur en charge"),
    )
    assigned_at = models.DateTimeField(_("affecté le"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("affecté par"),
    )

    class Meta:
        verbose_name = _("instructeur en charge d'un dossier")
        verbose_name_plural = _("instructeurs en charge des dossiers")

    def __str__(self) -> str:
        return f"{self.application_id} — {self.officer}"


class InternalNote(models.Model):
    """A private note on a dossier. Never shown to the applicant. Notes are not edited:
    a correction is a new note, so the record of what was known when stays."""

    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.RESTRICT,
        related_name="internal_notes",
        verbose_name=_("dossier"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.RESTRICT,
        related_name="+",
        verbose_name=_("auteur"),
    )
    body = models.TextField(_("note"), max_length=TEXT_MAX_LENGTH)
    created_at = models.DateTimeField(_("écrite le"))

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("note interne")
        verbose_name_plural = _("notes internes")
        constraints = [
            models.CheckConstraint(
                condition=Q(body__regex=r"\S"),
                name="instruction_note_not_blank",
                violation_error_message=_("Une note n'est pas vide."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.created_at:%Y-%m-%d %H:%M}"


class Review(models.Model):
    """The officer's instruction of a dossier: scores on the grid, summary,
    recommendation and the amount they propose (by default the rules core's award)."""

    application = models.OneToOneField(
        "applications.Application",
        on_delete=models.RESTRICT,
        related_name="review",
        verbose_name=_("dossier"),
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.RESTRICT,
        related_name="+",
        verbose_name=_("instructeur"),
    )
    summary = models.TextField(_("synthèse"), max_length=TEXT_MAX_LENGTH, blank=True)
    recommendation = models.CharField(
        _("avis"), max_length=20, choices=Recommendation.choices, blank=True
    )
    proposed_amount = models.DecimalField(
        _("montant proposé (EUR)"), null=True, blank=True, **MONEY
    )
    # Criterion id -> whole points, on the grid named by grid_scheme/grid_version.
    scores = models.JSONField(_("notes"), default=dict, blank=True)
    grid_scheme = models.SlugField(_("grille (dispositif)"), max_length=100, blank=True)
    grid_version = models.CharField(_("grille (version)"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("mis à jour le"), auto_now=True)

    class Meta:
        verbose_name = _("instruction (synthèse et avis)")
        verbose_name_plural = _("instructions (synthèses et avis)")
        constraints = [
            models.CheckConstraint(
                condition=Q(proposed_amount__isnull=True) | Q(proposed_amount__gte=0),
                name="instruction_review_amount_not_negative",
                violation_error_message=_("Le montant proposé ne peut pas être négatif."),
            ),
            models.CheckConstraint(
                condition=Q(recommendation="") | Q(recommendation__in=Recommendation.values),
                name="instruction_review_recommendation_known",
                violation_error_message=_("Avis inconnu."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.recommendation}"


class ExpertInvitation(models.Model):
    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.RESTRICT,
        related_name="expert_invitations",
        verbose_name=_("dossier"),
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.RESTRICT,
        related_name="expert_invitations",
        verbose_name=_("expert"),
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.RESTRICT,
        related_name="+",
        verbose_name=_("invité par"),
    )
    invited_at = models.DateTimeField(_("invité le"))
    status = models.CharField(
        _("statut"), max_length=20, choices=InvitationStatus.choices, default="invited"
    )
    message = models.TextField(_("message à l'expert"), max_length=TEXT_MAX_LENGTH, blank=True)

    class Meta:
        ordering = ["invited_at", "pk"]
        verbose_name = _("invitation d'un expert")
        verbose_name_plural = _("invitations d'experts")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "expert"],
                name="instruction_invitation_one_per_expert",
                violation_error_message=_("Cet expert est déjà invité sur ce dossier."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=InvitationStatus.values),
                name="instruction_invitation_status_known",
                violation_error_message=_("Statut d'invitation inconnu."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} — {self.expert} ({self.status})"

    @property
    def conflicted(self) -> bool:
        return self.status == InvitationStatus.CONFLICTED


class ConflictDeclaration(models.Model):
    """The expert's declaration of interests, before anything else of the dossier."""

    invitation = models.OneToOneField(
        ExpertInvitation,
        on_delete=models.RESTRICT,
        related_name="declaration",
        verbose_name=_("invitation"),
    )
    status = models.CharField(_("déclaration"), max_length=20, choices=ConflictStatus.choices)
    reason = models.TextField(_("motif"), max_length=TEXT_MAX_LENGTH, blank=True)
    declared_at = models.DateTimeField(_("déclaré le"))

    class Meta:
        verbose_name = _("déclaration d'intérêts")
        verbose_name_plural = _("déclarations d'intérêts")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ConflictStatus.values),
                name="instruction_declaration_status_known",
                violation_error_message=_("Déclaration inconnue."),
            ),
            models.CheckConstraint(
                condition=~Q(status=ConflictStatus.CONFLICTED) | Q(reason__regex=r"\S"),
                name="instruction_conflict_has_reason",
                violation_error_message=_("Un conflit d'intérêts se déclare avec son motif."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invitation_id} {self.status}"


class ExpertOpinion(models.Model):
    """An expert's structured opinion: a score per criterion of the grid, a text and a
    recommendation."""

    invitation = models.OneToOneField(
        ExpertInvitation,
        on_delete=models.RESTRICT,
        related_name="opinion",
        verbose_name=_("invitation"),
    )
    scores = models.JSONField(_("notes"))
    grid_scheme = models.SlugField(_("grille (dispositif)"), max_length=100)
    grid_version = models.CharField(_("grille (version)"), max_length=50)
    text = models.TextField(_("avis motivé"), max_length=TEXT_MAX_LENGTH)
    recommendation = models.CharField(_("avis"), max_length=20, choices=Recommendation.choices)
    submitted_at = models.DateTimeField(_("rendu le"))
    updated_at = models.DateTimeField(_("mis à jour le"))

    class Meta:
        verbose_name = _("avis d'expert")
        verbose_name_plural = _("avis d'experts")
        constraints = [
            models.CheckConstraint(
                condition=Q(recommendation__in=Recommendation.values),
                name="instruction_opinion_recommendation_known",
                violation_error_message=_("Avis inconnu."),
            ),
            models.CheckConstraint(
                condition=Q(text__regex=r"\S"),
                name="instruction_opinion_text_not_blank",
                violation_error_message=_("Un avis d'expert est motivé."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invitation_id} {self.recommendation}"


class ProposalImmutableError(AppendOnlyError):
    """Raised when code tries to change or delete a proposal."""


class Proposal(AppendOnlyModel):
    """A dossier proposed to the Commission permanente: what the committee room needs for
    its agendas and decisions (referenced there as "instruction.Proposal").

    Created by `plania.instruction.services.proposal_create` in the same transaction as
    the dossier's "propose" transition (under_review -> proposed). The amounts are the
    rules core's (`plania.rules.award.compute_award`) on the dossier's data as frozen at
    submission, with the amount requested lowered to the officer's proposed amount when
    they propose less than the rules allow (never more): `amount = grant_amount +
    advance_amount`, the grant part first up to the scheme's grant cap, the rest as a
    repayable advance. `rules` keeps how each figure was obtained: scheme version and
    sha256 of its file, evaluation date, inputs, every parameter used (value, status,
    source, start) and the explanation in French and English (the CRPA answer of
    DOMAIN.md "Algorithmic transparency"). `envelope` is the call's envelope, the one the
    award's commitment will be charged to.

    A proposal is a record: never updated nor deleted (the ORM refuses). The committee's
    decision (approved with amounts possibly lowered, rejected, adjourned) lives in the
    committee room and refers to it. For a dossier, the latest proposal is the current one.

    Tamper-evident (plania.core.chain): one hash chain per dossier; `chain_hash` covers
    every field in HASHED_FIELDS (all of them but id) and the previous proposal's hash.
    """

    HASHED_FIELDS = (
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
    )
    CHAIN_FIELDS = ("application_id",)
    CHAIN_LOCKS = ("application_id",)

    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.RESTRICT,
        related_name="proposals",
        verbose_name=_("dossier"),
    )
    envelope = models.ForeignKey(
        "plans.Envelope",
        on_delete=models.RESTRICT,
        related_name="proposals",
        verbose_name=_("enveloppe"),
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.RESTRICT,
        related_name="+",
        verbose_name=_("instructeur"),
    )
    recommendation = models.CharField(_("avis"), max_length=20, choices=Recommendation.choices)
    summary = models.TextField(_("synthèse"), blank=True)
    amount = models.DecimalField(_("montant proposé (EUR)"), **MONEY)
    grant_amount = models.DecimalField(_("dont subvention (EUR)"), **MONEY)
    advance_amount = models.DecimalField(_("dont avance remboursable (EUR)"), **MONEY)
    advance_gge_amount = models.DecimalField(
        _("équivalent-subvention brut de l'avance (EUR)"), **MONEY
    )
    total_gge_amount = models.DecimalField(_("aide totale en ESB (EUR)"), **MONEY)
    # The rules core's award on the dossier as filed, before the officer lowered it.
    computed_amount = models.DecimalField(_("aide calculée par les règles (EUR)"), **MONEY)
    requested_amount = models.DecimalField(_("montant demandé (EUR)"), **MONEY)
    eligible_cost = models.DecimalField(_("dépenses éligibles (EUR)"), **MONEY)
    # Empty only for an unfavourable proposal on a dossier the rules core could not award.
    legal_basis = models.CharField(
        _("base juridique"), max_length=20, choices=LegalBasis.choices, blank=True
    )
    legal_basis_text_fr = models.TextField(_("base juridique (français)"), blank=True)
    legal_basis_text_en = models.TextField(_("base juridique (anglais)"), blank=True)
    # "fits", "exceeds" or "unknown" (plania.rules.award.DeMinimisStatus).
    de_minimis_status = models.CharField(_("contrôle de minimis"), max_length=10, blank=True)
    de_minimis = models.JSONField(_("de minimis"), default=dict)
    scheme_code = models.SlugField(_("dispositif"), max_length=100)
    scheme_version = models.CharField(_("version du dispositif"), max_length=50)
    rules_date = models.DateField(_("date d'évaluation des règles"))
    rules = models.JSONField(_("règles et paramètres appliqués"))
    officer_score = models.DecimalField(
        _("note de l'instructeur (/100)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    expert_average = models.DecimalField(
        _("moyenne des experts (/100)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    expert_count = models.PositiveSmallIntegerField(_("avis d'experts retenus"), default=0)
    created_at = models.DateTimeField(_("proposé le"))
    chain_hash = models.CharField(max_length=64, default="", editable=False)

    append_only_error = ProposalImmutableError
    append_only_noun = "Proposals"
    chained = True

    class Meta:
        ordering = ["created_at", "pk"]
        get_latest_by = ["created_at", "pk"]
        triggers = append_only_triggers("a proposal to the committee is a record")
        verbose_name = _("proposition à la Commission permanente")
        verbose_name_plural = _("propositions à la Commission permanente")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0)
                & Q(grant_amount__gte=0)
                & Q(advance_amount__gte=0)
                & Q(advance_gge_amount__gte=0)
                & Q(total_gge_amount__gte=0),
                name="instruction_proposal_amounts_not_negative",
                violation_error_message=_("Les montants d'une proposition sont positifs."),
            ),
            models.CheckConstraint(
                condition=Q(amount=F("grant_amount") + F("advance_amount")),
                name="instruction_proposal_amount_is_grant_plus_advance",
                violation_error_message=_(
                    "Le montant proposé est la somme de la subvention et de l'avance."
                ),
            ),
            models.CheckConstraint(
                condition=Q(amount__lte=F("computed_amount")),
                name="instruction_proposal_within_rules",
                violation_error_message=_(
                    "Le montant proposé ne dépasse pas l'aide calculée par les règles."
                ),
            ),
            models.CheckConstraint(
                condition=Q(recommendation__in=Recommendation.values),
                name="instruction_proposal_recommendation_known",
                violation_error_message=_("Avis inconnu."),
            ),
            models.CheckConstraint(
                condition=Q(legal_basis="") | Q(legal_basis__in=LegalBasis.values),
                name="instruction_proposal_legal_basis_known",
                violation_error_message=_("Base juridique inconnue."),
            ),
            # A favourable proposal carries an amount and the legal basis it is granted on.
            models.CheckConstraint(
                condition=~Q(recommendation=Recommendation.FAVOURABLE)
                | (Q(amount__gt=0) & ~Q(legal_basis="")),
                name="instruction_proposal_favourable_has_amount_and_basis",
                violation_error_message=_(
                    "Une proposition favorable porte un montant et une base juridique."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.amount} ({self.recommendation})"

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self.rules.get("parameters", {}))
