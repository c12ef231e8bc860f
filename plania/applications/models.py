"""Calls for applications and dossiers (DESIGN.md sections 3 and 6).

- `Call`: a scheme version (from the rules files) open for applications between two
  instants, funded by one envelope. Instants are stored in UTC and shown in Europe/Paris;
  the period is half-open: a dossier is accepted while opens_at <= now < closes_at.
- `Application`: a company's dossier. What the applicant types is kept as typed (answers,
  and the text of each amount or date of a row), so that nothing typed is ever lost, even
  when it is not valid yet; the typed values are read by the rules core's form cleaner.
  At submission the dossier is frozen: the scheme version and the sha256 of its file, the
  eligibility computed by the rules core with its explanation in French and English, and
  a snapshot of what was filed (`submitted_data`), with a receipt number.
- `CostLine`, `DeclaredAid`: the budget (its eligible lines give the eligible cost) and the
  prior de minimis aid the company declares.
- `ApplicationEvent`: the history, one row per transition (who, when, from, to, why);
  never updated nor deleted (the ORM refuses here; triggers refuse on PostgreSQL).
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

import pgtrigger
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from plania.applications.calls import call_problems
from plania.applications.enums import EDITABLE_STATES, ApplicationState, CallStatus
from plania.core.models import AppendOnlyError, AppendOnlyModel, append_only_triggers

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}


def _lang() -> str:
    return "en" if (get_language() or "fr").startswith("en") else "fr"


class Call(models.Model):
    reference = models.SlugField(_("référence"), max_length=100, unique=True)
    scheme_code = models.SlugField(_("dispositif"), max_length=100)
    scheme_version = models.CharField(_("version du dispositif"), max_length=50)
    envelope = models.ForeignKey(
        "plans.Envelope",
        on_delete=models.RESTRICT,
        related_name="calls",
        verbose_name=_("enveloppe"),
    )
    title_fr = models.CharField(_("titre (français)"), max_length=300)
    title_en = models.CharField(_("titre (anglais)"), max_length=300)
    # Half-open [opens_at, closes_at), UTC in the database, Europe/Paris on screen.
    opens_at = models.DateTimeField(_("ouverture"))
    closes_at = models.DateTimeField(_("clôture (exclue)"))
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créé par"),
    )

    class Meta:
        ordering = ["closes_at", "reference"]
        verbose_name = _("appel à projets")
        verbose_name_plural = _("appels à projets")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")),
                name="call_closes_after_opening",
                violation_error_message=_("La clôture d'un appel doit suivre son ouverture."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title_fr} ({self.reference})"

    @property
    def title(self) -> str:
        return self.title_en if _lang() == "en" else self.title_fr

    def status(self, now: datetime | None = None) -> CallStatus:
        now = now or timezone.now()
        if now < self.opens_at:
            return CallStatus.UPCOMING
        if now < self.closes_at:
            return CallStatus.OPEN
        return CallStatus.CLOSED

    def is_open(self, now: datetime | None = None) -> bool:
        return self.status(now) == CallStatus.OPEN

    @property
    def scheme(self):  # type: ignore[no-untyped-def]
        """The scheme version (rules core), read from the cached rules files."""
        from plania.schemes.selectors import scheme_version

        return scheme_version(self.scheme_code, self.scheme_version)

    def clean(self) -> None:
        problems = call_problems(
            scheme_code=self.scheme_code,
            version=self.scheme_version,
            opens_at=self.opens_at,
            closes_at=self.closes_at,
        )
        if problems:
            raise ValidationError(problems)


class ApplicationSequence(models.Model):
    """The last number given per reference prefix and year ("SID-2025" -> 42)."""

    key = models.CharField(max_length=30, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.last}"


class Application(models.Model):
    reference = models.CharField(_("référence"), max_length=30, unique=True)
    call = models.ForeignKey(
        Call, on_delete=models.RESTRICT, related_name="applications", verbose_name=_("appel")
    )
    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.RESTRICT,
        related_name="applications",
        verbose_name=_("entreprise"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.RESTRICT,
        related_name="+",
        verbose_name=_("créé par"),
    )
    state = models.CharField(
        _("état"),
        max_length=20,
        choices=ApplicationState.choices,
        default=ApplicationState.DRAFT,
    )
    # The form's answers as typed (field id -> text, or a JSON scalar from the API).
    answers = models.JSONField(_("réponses"), default=dict, blank=True)
    # Copied from the answers when readable: officers sort and filter on them.
    requested_amount = models.DecimalField(
        _("montant demandé (EUR)"), null=True, blank=True, **MONEY
    )
    lab = models.CharField(_("laboratoire partenaire"), max_length=50, blank=True)
    # Bumped on every save: an autosave from a stale tab is refused, never applied.
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("enregistré le"), auto_now=True)
    # Frozen at submission.
    scheme_code = models.SlugField(_("dispositif"), max_length=100, blank=True)
    scheme_version = models.CharField(_("version du dispositif"), max_length=50, blank=True)
    rules_sha256 = models.CharField(_("empreinte du fichier de règles"), max_length=64, blank=True)
    eligibility = models.JSONField(_("éligibilité (règles)"), default=dict, blank=True)
    submitted_data = models.JSONField(_("dossier déposé"), default=dict, blank=True)
    submitted_at = models.DateTimeField(_("déposé le"), null=True, blank=True)
    receipt_number = models.CharField(_("numéro d'accusé de réception"), max_length=60, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        indexes = [
            models.Index(fields=["call", "state"], name="application_call_state"),
            models.Index(fields=["company", "state"], name="application_company_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ApplicationState.values),
                name="application_state_known",
                violation_error_message=_("État de dossier inconnu."),
            ),
            models.CheckConstraint(
                condition=Q(requested_amount__isnull=True) | Q(requested_amount__gte=0),
                name="application_requested_amount_not_negative",
                violation_error_message=_("Le montant demandé ne peut pas être négatif."),
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1),
                name="application_version_positive",
                violation_error_message=_("La version d'un dossier commence à 1."),
            ),
            # Past the draft, a dossier carries what it was filed with.
            models.CheckConstraint(
                condition=Q(state__in=[ApplicationState.DRAFT, ApplicationState.WITHDRAWN])
                | (
                    Q(submitted_at__isnull=False)
                    & ~Q(receipt_number="")
                    & ~Q(rules_sha256="")
                    & ~Q(scheme_code="")
                ),
                name="application_filed_is_frozen",
                violation_error_message=_(
                    "Un dossier déposé porte sa date de dépôt, son accusé de réception et la "
                    "version des règles sous laquelle il a été déposé."
                ),
            ),
            # One dossier per company and call (a double click on "create" opens the same).
            models.UniqueConstraint(
                fields=["call", "company"],
                condition=~Q(state=ApplicationState.WITHDRAWN),
                name="application_one_per_company_and_call",
                violation_error_message=_("Cette entreprise a déjà un dossier pour cet appel."),
            ),
            models.UniqueConstraint(
                fields=["receipt_number"],
                condition=~Q(receipt_number=""),
                name="application_receipt_number_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            self.version += 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version", "updated_at"}
        super().save(*args, **kwargs)

    @property
    def editable(self) -> bool:
        return self.state in EDITABLE_STATES

    @property
    def filed(self) -> bool:
        return self.submitted_at is not None


class CostLine(models.Model):
    """One line of the project's budget; the eligible lines' sum is the eligible cost."""

    application = models.ForeignKey(
        Application, on_delete=models.RESTRICT, related_name="cost_lines"
    )
    position = models.PositiveSmallIntegerField()
    label = models.CharField(_("libellé"), max_length=300, blank=True)
    category = models.CharField(_("catégorie"), max_length=50, blank=True)
    # `amount` when readable; `amount_text` always holds what was typed.
    amount = models.DecimalField(_("montant (EUR)"), null=True, blank=True, **MONEY)
    amount_text = models.CharField(_("montant saisi"), max_length=60, blank=True)
    eligible = models.BooleanField(_("éligible"), default=True)

    class Meta:
        ordering = ["application", "position"]
        verbose_name = _("ligne de dépense")
        verbose_name_plural = _("lignes de dépense")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="cost_line_amount_not_negative",
                violation_error_message=_("Le montant d'une dépense ne peut pas être négatif."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.amount_text}"


class DeclaredAid(models.Model):
    """Prior de minimis aid the company declares (granting body, date, amount, regulation)."""

    application = models.ForeignKey(
        Application, on_delete=models.RESTRICT, related_name="declared_aids"
    )
    position = models.PositiveSmallIntegerField()
    granting_body = models.CharField(_("organisme"), max_length=300, blank=True)
    granted_on = models.DateField(_("date d'octroi"), null=True, blank=True)
    granted_on_text = models.CharField(_("date saisie"), max_length=60, blank=True)
    amount = models.DecimalField(_("montant (EUR)"), null=True, blank=True, **MONEY)
    amount_text = models.CharField(_("montant saisi"), max_length=60, blank=True)
    regulation = models.CharField(_("règlement"), max_length=50, blank=True)

    class Meta:
        ordering = ["application", "position"]
        verbose_name = _("aide de minimis déclarée")
        verbose_name_plural = _("aides de minimis déclarées")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="declared_aid_amount_not_negative",
                violation_error_message=_("Le montant d'une aide ne peut pas être négatif."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.granting_body} {self.amount_text}"


class HistoryImmutableError(AppendOnlyError):
    """Raised when code tries to change or delete a history row."""


class ApplicationEvent(AppendOnlyModel):
    """One transition of a dossier: who, when, from, to, why. Append-only.

    Tamper-evident (plania.core.chain): one hash chain per dossier; `chain_hash` covers
    application_id, transition, from_state, to_state, actor_id, at and reason, and the
    previous event's hash.
    """

    HASHED_FIELDS = (
        "application_id",
        "transition",
        "from_state",
        "to_state",
        "actor_id",
        "at",
        "reason",
    )
    CHAIN_FIELDS = ("application_id",)
    CHAIN_LOCKS = ("application_id",)

    application = models.ForeignKey(Application, on_delete=models.RESTRICT, related_name="events")
    transition = models.CharField(_("transition"), max_length=30)
    from_state = models.CharField(_("de"), max_length=20, choices=ApplicationState.choices)
    to_state = models.CharField(_("vers"), max_length=20, choices=ApplicationState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    at = models.DateTimeField(_("le"))
    reason = models.TextField(_("motif"), blank=True)
    chain_hash = models.CharField(max_length=64, default="", editable=False)

    append_only_error = HistoryImmutableError
    append_only_noun = "History rows"
    chained = True

    class Meta:
        ordering = ["at", "pk"]
        # Raw SQL cannot UPDATE nor DELETE a row either, but the DELETE of the events of
        # the one draft the current transaction purges, named by plania.privacy.services.
        # draft_delete with set_config('plania.purge_application', id, true).
        triggers = append_only_triggers(
            "dossier history is append-only",
            delete_condition=pgtrigger.Condition(
                "current_setting('plania.purge_application', true)"
                " IS DISTINCT FROM OLD.application_id::text"
            ),
        )
        verbose_name = _("événement du dossier")
        verbose_name_plural = _("historique des dossiers")

    def __str__(self) -> str:
        return f"{self.application_id} {self.transition} {self.from_state}->{self.to_state}"


def eligible_cost_of(lines: Any) -> Decimal:
    """The eligible cost of loaded cost lines (the readable amounts of eligible lines)."""
    return sum(
        (line.amount for line in lines if line.eligible and line.amount is not None),
        Decimal("0.00"),
    )
