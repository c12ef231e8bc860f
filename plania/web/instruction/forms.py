"""Forms of the instruction pages. Every field has a label; scores are one select per
criterion of the scheme version's grid, so the pages work with the keyboard and without
JavaScript."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from plania.applications.enums import ApplicationState
from plania.instruction.enums import Recommendation
from plania.instruction.models import TEXT_MAX_LENGTH
from plania.instruction.naf import section_choices
from plania.instruction.selectors import OPEN_STATES, PAGE_SIZES, QueueFilters
from plania.instruction.services import BULK_ACTIONS
from plania.rules.scoring import ScoringGrid

QUEUE_STATES = [
    *OPEN_STATES,
    ApplicationState.PROPOSED,
    ApplicationState.APPROVED,
    ApplicationState.REJECTED,
    ApplicationState.WITHDRAWN,
]
SORT_CHOICES = [
    ("waiting", _("Attente la plus longue d'abord")),
    ("-waiting", _("Dépôt le plus récent d'abord")),
    ("-amount", _("Montant demandé décroissant")),
    ("amount", _("Montant demandé croissant")),
    ("reference", _("Référence")),
    ("company", _("Entreprise (A → Z)")),
    ("state", _("État")),
]


class PageForm(forms.Form):
    """A form of a page that shows several: its ids are prefixed so that every label
    points at its own field (`id_prefix`)."""

    id_prefix = "f"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


class QueueFilterForm(PageForm):
    """The queue's filters (GET): an invalid value is dropped, never an error page."""

    q = forms.CharField(label=_("Référence, entreprise ou SIREN"), required=False, max_length=100)
    call = forms.ChoiceField(label=_("Appel"), required=False)
    state = forms.MultipleChoiceField(
        label=_("États"),
        required=False,
        choices=[(s.value, s.label) for s in map(ApplicationState, QUEUE_STATES)],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Sans choix : déposés, incomplets et en instruction."),
    )
    departement = forms.CharField(label=_("Département du siège"), required=False, max_length=3)
    sector = forms.ChoiceField(
        label=_("Secteur (section NAF)"),
        required=False,
        choices=[("", _("Tous les secteurs")), *section_choices()],
    )
    amount_min = forms.DecimalField(
        label=_("Montant demandé minimum (€)"), required=False, min_value=0, decimal_places=2
    )
    amount_max = forms.DecimalField(
        label=_("Montant demandé maximum (€)"), required=False, min_value=0, decimal_places=2
    )
    days_min = forms.IntegerField(
        label=_("En attente depuis au moins (jours)"), required=False, min_value=0
    )
    days_max = forms.IntegerField(
        label=_("En attente depuis au plus (jours)"), required=False, min_value=0
    )
    assigned = forms.ChoiceField(
        label=_("Instructeur en charge"),
        required=False,
        choices=[("", _("Tous")), ("me", _("Moi")), ("none", _("Personne"))],
    )
    sort = forms.ChoiceField(label=_("Trier par"), required=False, choices=SORT_CHOICES)
    per_page = forms.TypedChoiceField(
        label=_("Dossiers par page"),
        required=False,
        coerce=int,
        choices=[(n, str(n)) for n in PAGE_SIZES],
        empty_value=PAGE_SIZES[0],
    )

    def __init__(self, *args: Any, calls: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["call"].choices = [("", _("Tous les appels")), *calls]

    def filters(self) -> tuple[QueueFilters, int]:
        """The filters asked (invalid ones left out) and the page size."""
        self.is_valid()
        data = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}
        per_page = data.get("per_page") or PAGE_SIZES[0]
        return (
            QueueFilters(
                call=data.get("call") or "",
                states=tuple(data.get("state") or ()),
                departement=(data.get("departement") or "").strip().upper(),
                sector=data.get("sector") or "",
                amount_min=data.get("amount_min"),
                amount_max=data.get("amount_max"),
                days_min=data.get("days_min"),
                days_max=data.get("days_max"),
                assigned=data.get("assigned") or "",
                q=data.get("q") or "",
                sort=data.get("sort") or "waiting",
            ),
            per_page,
        )


class BulkForm(PageForm):
    id_prefix = "bulk"

    action = forms.ChoiceField(
        label=_("Action sur les dossiers cochés"),
        choices=[
            ("start_review", _("Commencer l'instruction")),
            ("assign_me", _("M'attribuer les dossiers")),
        ],
    )
    selected = forms.MultipleChoiceField(label=_("Dossiers"), choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The references are checked against the officer's dossiers by the view.
        refs = self.data.getlist("selected") if hasattr(self.data, "getlist") else []
        self.fields["selected"].choices = [(r, r) for r in refs]
        assert {c for c, _label in self.fields["action"].choices} == set(BULK_ACTIONS)


class RequestMissingForm(PageForm):
    id_prefix = "missing"

    message = forms.CharField(
        label=_("Pièces ou informations demandées"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=TEXT_MAX_LENGTH,
        help_text=_(
            "Le porteur de projet reçoit ce message par e-mail et peut compléter son dossier."
        ),
    )


class NoteForm(PageForm):
    id_prefix = "note"

    body = forms.CharField(
        label=_("Nouvelle note interne"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=TEXT_MAX_LENGTH,
        help_text=_(
            "Visible des instructeurs, des experts sans conflit et de la Commission ; "
            "jamais du porteur de projet."
        ),
    )


def _score_field(criterion: Any, lang: str, *, required: bool) -> forms.ChoiceField:
    blank = [("", _("— non noté —"))] if not required else [("", "—")]
    weight = f"{criterion.weight.normalize():f}"
    return forms.ChoiceField(
        label=_("%(label)s (de %(min)d à %(max)d, coefficient %(weight)s)")
        % {
            "label": criterion.label(lang),
            "min": criterion.scale_min,
            "max": criterion.scale_max,
            "weight": weight if lang == "en" else weight.replace(".", ","),
        },
        help_text=criterion.description(lang),
        required=required,
        choices=[*blank, *[(str(p), str(p)) for p in criterion.points]],
    )


class ScoresMixin:
    fields: dict[str, forms.Field]

    def add_scores(self, grid: ScoringGrid | None, lang: str, *, required: bool) -> None:
        self.grid = grid
        if grid is None:
            return
        for c in grid.criteria:
            self.fields[f"score_{c.id}"] = _score_field(c, lang, required=required)

    def score_fields(self) -> list[Any]:
        if self.grid is None:
            return []
        return [self[f"score_{c.id}"] for c in self.grid.criteria]  # type: ignore[index]

    def scores(self, data: Any) -> dict[str, str]:
        if self.grid is None:
            return {}
        return {c.id: data.get(f"score_{c.id}", "") for c in self.grid.criteria}


class ReviewForm(ScoresMixin, PageForm):
    id_prefix = "review"

    summary = forms.CharField(
        label=_("Synthèse de l'instruction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=TEXT_MAX_LENGTH,
    )
    recommendation = forms.ChoiceField(
        label=_("Avis de l'instructeur"),
        required=False,
        choices=[("", _("— pas encore d'avis —")), *Recommendation.choices],
    )
    proposed_amount = forms.CharField(
        label=_("Montant proposé (€)"),
        required=False,
        max_length=30,
        help_text=_("Vide : l'aide calculée par les règles du dispositif. Jamais plus."),
    )

    def __init__(self, *args: Any, grid: ScoringGrid | None, lang: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_scores(grid, lang, required=False)


class InviteForm(PageForm):
    id_prefix = "invite"

    expert = forms.ModelChoiceField(label=_("Expert"), queryset=None, empty_label=_("— choisir —"))
    message = forms.CharField(
        label=_("Message à l'expert (facultatif)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=TEXT_MAX_LENGTH,
    )

    def __init__(self, *args: Any, experts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["expert"]
        field.queryset = experts  # type: ignore[attr-defined]
        field.label_from_instance = lambda u: (  # type: ignore[attr-defined]
            f"{u.get_full_name()} <{u.email}>" if u.get_full_name() else u.email
        )


class DeclarationForm(PageForm):
    id_prefix = "declaration"

    conflicted = forms.TypedChoiceField(
        label=_("Avez-vous un conflit d'intérêts avec l'entreprise, ses dirigeants ou le projet ?"),
        choices=[
            ("no", _("Non, je n'ai aucun conflit d'intérêts")),
            ("yes", _("Oui, j'ai un conflit d'intérêts")),
        ],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Motif (obligatoire en cas de conflit)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=TEXT_MAX_LENGTH,
        help_text=_(
            "Lien capitalistique, familial, professionnel, concurrence, collaboration récente…"
        ),
    )


class OpinionForm(ScoresMixin, PageForm):
    id_prefix = "opinion"

    text = forms.CharField(
        label=_("Avis motivé"), widget=forms.Textarea(attrs={"rows": 6}), max_length=TEXT_MAX_LENGTH
    )
    recommendation = forms.ChoiceField(
        label=_("Recommandation"), choices=Recommendation.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, grid: ScoringGrid | None, lang: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_scores(grid, lang, required=True)


def add_service_errors(form: forms.Form, errors: dict[str, list[str]], message: str) -> None:
    """A service's per-field messages on the form's fields (the rest as form errors)."""
    placed = False
    for name, messages in errors.items():
        for m in messages:
            form.add_error(name if name in form.fields else None, m)
            placed = True
    if not placed:
        form.add_error(None, message)
