"""What the dossier and pre-check pages show and read: one view-model per input, built from
the scheme version's form definition (plania.rules.forms) and the values as typed, so that
a value that is not valid yet is shown as it was typed, beside its error.

Names in the HTML form: `q-<field id>` for the form's fields, `cost-<i>-<key>` for the
budget's rows and `aid-<i>-<key>` for the prior aid declared, with `cost-count` and
`aid-count`; `version` is the dossier version the page was built on.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.http import QueryDict
from django.utils.translation import gettext as _

from plania.applications.eligibility import label_of
from plania.applications.labs import LabDirectory
from plania.rules.form_values import FALSE_WORDS, TRUE_WORDS
from plania.rules.forms import DECLARED_AID_REGULATIONS, FormDefinition, FormField

DEFAULT_BLANK_ROWS = 3
MAX_BLANK_ROWS = 20
ROW_KEY = re.compile(r"^(cost_lines|declared_aids)\[(\d+)\]\.(\w+)$")
HTML_PREFIX = {"cost_lines": "cost", "declared_aids": "aid"}


@dataclass
class Option:
    value: str
    label: str
    selected: bool = False
    id: str = ""


@dataclass
class FieldView:
    """One input as a template renders it (web/applications/_field.html)."""

    name: str
    id: str
    label: str
    widget: str  # text textarea integer amount date radio select
    value: str = ""
    help: str = ""
    errors: list[str] = field(default_factory=list)
    required: bool = False
    options: list[Option] = field(default_factory=list)
    max_length: int | None = None
    min: str = ""
    max: str = ""

    @property
    def help_id(self) -> str:
        return f"{self.id}-help"

    @property
    def error_id(self) -> str:
        return f"{self.id}-error"

    @property
    def describedby(self) -> str:
        ids = [self.help_id] if self.help else []
        if self.errors:
            ids.append(self.error_id)
        return " ".join(ids)

    @property
    def anchor(self) -> str:
        return self.options[0].id if self.widget == "radio" and self.options else self.id


def lang_of(language: str | None) -> str:
    return "en" if (language or "fr").startswith("en") else "fr"


def _text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "oui" if raw else "non"
    return str(raw)


def _yes_no(raw: object) -> str:
    """The radio value of a typed boolean ("oui", "non" or "" when unreadable/blank)."""
    if isinstance(raw, bool):
        return "oui" if raw else "non"
    text = _text(raw).strip().lower()
    if text in TRUE_WORDS:
        return "oui"
    if text in FALSE_WORDS:
        return "non"
    return ""


def _radio(name: str, base_id: str, value: str, *, unknown: bool = False) -> list[Option]:
    options = [
        Option("oui", _("Oui"), value == "oui", f"{base_id}-0"),
        Option("non", _("Non"), value == "non", f"{base_id}-1"),
    ]
    if unknown:
        options.append(Option("", _("Je ne sais pas"), value == "", f"{base_id}-2"))
    return options


def field_view(
    f: FormField, raw: object, errors: list[str], lang: str, labs: LabDirectory
) -> FieldView:
    name = f"q-{f.id}"
    view = FieldView(
        name=name,
        id=f"id_{name}",
        label=f.label(lang),
        widget="text",
        value=_text(raw),
        help=f.help(lang),
        errors=errors,
        required=f.required,
        max_length=f.max_length,
    )
    if f.type in ("text", "textarea"):
        view.widget = f.type
    elif f.type in ("integer", "amount"):
        view.widget = f.type
        view.min = "" if f.min_value is None else str(f.min_value)
        view.max = "" if f.max_value is None else str(f.max_value)
    elif f.type == "date":
        # A value typed elsewhere (API, DD/MM/YYYY) stays visible in a text input.
        iso = bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", view.value)) or not view.value
        view.widget = "date" if iso else "text"
        view.min = "" if f.min_value is None else str(f.min_value)
        view.max = "" if f.max_value is None else str(f.max_value)
    elif f.type == "boolean":
        view.widget = "radio"
        view.options = _radio(name, view.id, _yes_no(raw))
    elif f.type == "choice":
        view.widget = "select"
        view.options = [
            Option(c.value, c.label_en if lang == "en" else c.label_fr, view.value == c.value)
            for c in f.choices
        ]
    else:  # lab
        view.widget = "select"
        view.options = [Option(lab.code, lab.label, view.value == lab.code) for lab in labs.labs]
        if labs.sample:
            note = _(
                "L'annuaire livré est un échantillon que la Région complète : si votre "
                "laboratoire n'y figure pas encore, signalez-le."
            )
            view.help = f"{view.help} {note}".strip()
    return view


@dataclass
class SectionView:
    id: str
    title: str
    description: str
    fields: list[FieldView]


def section_views(
    form: FormDefinition,
    answers: Mapping[str, object],
    errors: Mapping[str, list[str]],
    lang: str,
    labs: LabDirectory,
) -> list[SectionView]:
    return [
        SectionView(
            id=f"section-{s.id}",
            title=s.title_en if lang == "en" else s.title_fr,
            description=s.description_en if lang == "en" else s.description_fr,
            fields=[
                field_view(f, answers.get(f.id), list(errors.get(f.id, [])), lang, labs)
                for f in s.fields
            ],
        )
        for s in form.sections
    ]


# -- Rows -----------------------------------------------------------------------------


@dataclass
class Cell:
    name: str
    id: str
    value: str
    errors: list[str]

    @property
    def error_id(self) -> str:
        return f"{self.id}-error"


@dataclass
class RowView:
    number: int
    cells: dict[str, Cell]
    eligible: bool = True
    blank: bool = False


ROW_FIELDS = {
    "cost_lines": ("label", "category", "amount", "eligible", "delete"),
    "declared_aids": ("granting_body", "granted_on", "amount", "regulation", "delete"),
}


def _row_errors(errors: Mapping[str, list[str]], part: str, index: int) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, msgs in errors.items():
        m = ROW_KEY.match(key)
        if m and m.group(1) == part and int(m.group(2)) == index:
            out[m.group(3)] = list(msgs)
    return out


def _bool(raw: object) -> bool:
    return _yes_no(raw) == "oui"


def row_views(
    part: str,
    rows: Sequence[Mapping[str, object]],
    errors: Mapping[str, list[str]],
    *,
    blank_rows: int,
) -> list[RowView]:
    """The rows as typed (with their errors), then `blank_rows` empty rows to fill in."""
    prefix = HTML_PREFIX[part]
    views = []
    for i in range(len(rows) + blank_rows):
        row = rows[i] if i < len(rows) else {}
        row_errors = _row_errors(errors, part, i)
        cells = {
            key: Cell(
                name=f"{prefix}-{i}-{key}",
                id=f"id_{prefix}-{i}-{key}",
                value=_text(row.get(key)) if key != "eligible" else "",
                errors=row_errors.get(key, []),
            )
            for key in ROW_FIELDS[part]
        }
        views.append(
            RowView(
                number=i + 1,
                cells=cells,
                eligible=_bool(row.get("eligible")) if row else True,
                blank=not row,
            )
        )
    return views


def regulation_options(lang: str) -> list[tuple[str, str]]:
    return [
        (code, fr if lang == "fr" else en) for code, (fr, en) in DECLARED_AID_REGULATIONS.items()
    ]


# -- Reading a post -----------------------------------------------------------------------


@dataclass
class DossierPost:
    answers: dict[str, str]
    cost_lines: list[dict[str, str]]
    declared_aids: list[dict[str, str]]
    version: int | None
    action: str
    # The page's row number of each row kept (deleted and empty rows are dropped).
    positions: dict[str, list[int]] = field(default_factory=dict)


def _count(post: QueryDict, name: str, limit: int) -> int:
    try:
        return max(0, min(int(post.get(name, "0")), limit))
    except ValueError:
        return 0


def _rows(post: QueryDict, part: str, limit: int) -> tuple[list[dict[str, str]], list[int]]:
    prefix = HTML_PREFIX[part]
    keys = [k for k in ROW_FIELDS[part] if k != "delete"]
    rows, positions = [], []
    for i in range(_count(post, f"{prefix}-count", limit)):
        if post.get(f"{prefix}-{i}-delete"):
            continue
        row = {k: post.get(f"{prefix}-{i}-{k}", "") for k in keys}
        if "eligible" in row:
            # A ticked checkbox sends "on", an unticked one nothing.
            row["eligible"] = "oui" if row["eligible"] else ""
        if all(not row[k].strip() for k in keys if k != "eligible"):
            continue
        rows.append(row)
        positions.append(i)
    return rows, positions


def parse_dossier_post(post: QueryDict, form: FormDefinition) -> DossierPost:
    answers = {f.id: post.get(f"q-{f.id}", "") for f in form.fields()}
    cost, cost_positions = _rows(post, "cost_lines", form.max_cost_lines + 50)
    aids, aid_positions = _rows(post, "declared_aids", form.max_declared_aids + 50)
    try:
        version: int | None = int(post.get("version", ""))
    except ValueError:
        version = None
    return DossierPost(
        answers,
        cost,
        aids,
        version,
        post.get("action", "save"),
        {"cost_lines": cost_positions, "declared_aids": aid_positions},
    )


# -- The error summary ----------------------------------------------------------------------


@dataclass
class SummaryItem:
    anchor: str
    label: str
    message: str


ROW_LABELS = {
    "label": lambda: _("libellé"),
    "category": lambda: _("catégorie"),
    "amount": lambda: _("montant"),
    "eligible": lambda: _("éligible"),
    "granting_body": lambda: _("organisme"),
    "granted_on": lambda: _("date d'octroi"),
    "regulation": lambda: _("règlement"),
}


def error_summary(
    errors: Mapping[str, list[str]], form: FormDefinition, lang: str
) -> list[SummaryItem]:
    """Every error, in the order of the page, each with the id of the input it is about."""
    items: list[SummaryItem] = []
    for f in form.fields():
        for message in errors.get(f.id, []):
            anchor = f"id_q-{f.id}-0" if f.type == "boolean" else f"id_q-{f.id}"
            items.append(SummaryItem(anchor, f.label(lang), message))
    for part, section, title in (
        ("cost_lines", "budget", _("Budget")),
        ("declared_aids", "aides", _("Aides de minimis déjà reçues")),
    ):
        for message in errors.get(part, []):
            items.append(SummaryItem(section, title, message))
        row_keys = sorted(
            (int(m.group(2)), m.group(3), key)
            for key in errors
            if (m := ROW_KEY.match(key)) and m.group(1) == part
        )
        for index, sub, key in row_keys:
            label = _("%(part)s, ligne %(n)s : %(field)s") % {
                "part": title,
                "n": index + 1,
                "field": ROW_LABELS[sub]() if sub in ROW_LABELS else sub,
            }
            for message in errors[key]:
                items.append(SummaryItem(f"id_{HTML_PREFIX[part]}-{index}-{sub}", label, message))
    return items


def html_errors(
    errors: Mapping[str, list[str]],
    form: FormDefinition,
    positions: Mapping[str, list[int]] | None = None,
) -> dict[str, list[str]]:
    """The errors keyed by the id of their input on the page that posted (for the
    autosave's JSON): `positions` maps a saved row back to its row on that page."""
    positions = positions or {}
    moved: dict[str, list[str]] = {}
    for key, msgs in errors.items():
        m = ROW_KEY.match(key)
        if m and m.group(1) in positions and int(m.group(2)) < len(positions[m.group(1)]):
            key = f"{m.group(1)}[{positions[m.group(1)][int(m.group(2))]}].{m.group(3)}"
        moved[key] = list(msgs)
    out: dict[str, list[str]] = {}
    for item in error_summary(moved, form, "fr"):
        out.setdefault(item.anchor, []).append(item.message)
    return out


# -- The pre-check -----------------------------------------------------------------------


def precheck_field(
    name: str, kind: str, raw: str, errors: list[str], lang: str, form: FormDefinition | None
) -> FieldView:
    """An input of the pre-check: labelled like the dossier's field that gives it, if any."""
    f = form.field_for_input(name) if form is not None else None
    label = f.label(lang) if f else label_of(name, lang)
    help_text = f.help(lang) if f else ""
    view = FieldView(
        name=name,
        id=f"id_{name}",
        label=label,
        widget="text",
        value=raw,
        help=help_text,
        errors=errors,
    )
    if kind == "date":
        iso = bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw)) or not raw
        view.widget = "date" if iso else "text"
    elif kind == "integer":
        view.widget = "integer"
    elif kind == "amount":
        view.widget = "amount"
    elif kind == "flag":
        view.widget = "radio"
        view.options = _radio(name, view.id, _yes_no(raw), unknown=True)
    elif name == "department":
        view.max_length = 3
        view.help = _("Le numéro du département du siège, par exemple 31 ou 34.")
    return view
