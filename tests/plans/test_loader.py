"""The plan loader: the shipped files, each validation rule, idempotency, revisions."""

import copy
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from plania.ledger.enums import EntryKind
from plania.ledger.models import LedgerEntry
from plania.ledger.plan_load import plan_load
from plania.ledger.selectors import envelope_balances
from plania.ledger.services import ledger_commit
from plania.plans.models import Axis, ContextFigure, Envelope, Plan, PlanRevision, Target
from plania.plans.planfile import PlanFileError, read_plan_file

PLANS = Path(__file__).resolve().parents[2] / "plania" / "data" / "plans"
OCCITANIE = PLANS / "occitanie-ia-2024-2028.yaml"
STARTUP = PLANS / "startup-industrie-demain.yaml"


def _doc(path: Path = OCCITANIE) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _write(tmp_path: Path, doc: dict, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.django_db
def test_shipped_plan_encodes_the_seed():
    plan_load(path=OCCITANIE)
    plan = Plan.objects.get(code="occitanie-ia-2024-2028")
    assert plan.budget == Decimal("60000000")
    assert plan.adopted_on == date(2024, 7, 12)
    assert (plan.start_date, plan.end_date) == (date(2024, 1, 1), date(2029, 1, 1))
    axes = {a.number: (a.name_fr, a.budget) for a in Axis.objects.filter(plan=plan)}
    assert axes == {
        1: ("Structuration de la filière IA Occitanie", Decimal("22000000")),
        2: ("Accompagnement des entreprises", Decimal("10000000")),
        3: ("Soutien à la recherche en IA", Decimal("14000000")),
        4: ("Formation aux métiers de demain et acquisition des compétences", Decimal("9000000")),
        5: ("L'IA dans les services et politiques publiques", Decimal("5000000")),
    }
    assert Envelope.objects.get(code="ia-axe-1-rd").cap == Decimal("18000000")
    assert Envelope.objects.get(code="ia-axe-1-animation").cap == Decimal("4000000")
    post_bac = Envelope.objects.get(code="ia-axe-4-post-bac")
    assert (post_bac.floor, post_bac.cap, post_bac.parent.code) == (
        Decimal("1000000"),
        None,
        "ia-axe-4",
    )
    sectors = [s["name_fr"] for s in Axis.objects.get(plan=plan, number=2).sectors]
    assert sectors == [
        "Santé",
        "Agriculture",
        "Eau",
        "Énergie",
        "Aérospatial",
        "Mobilité",
        "Industries culturelles et créatives",
    ]
    targets = {t.code: t for t in Target.objects.filter(plan=plan)}
    assert targets["innovation-projects"].target_value == 100
    assert targets["innovation-projects"].frequency == "total"
    assert targets["ai-company-creations"].target_value == 30
    assert targets["ai-company-creations"].baseline == 15
    assert targets["ai-company-creations"].frequency == "per_year"
    assert targets["people-trained"].target_ratio == 2
    assert targets["annual-ai-meeting"].target_value == 1
    figures = {f.code: f.value for f in ContextFigure.objects.filter(plan=plan)}
    assert figures["rd-gdp-share"] == Decimal("3.7")
    assert figures["researchers"] == 50000
    assert figures["patents"] == 1000
    assert figures["ai-companies"] == 250
    assert figures["ai-employees"] == 3500
    assert figures["regional-rd-support"] == 100_000_000
    # The axes' root envelopes carry the axis budgets in the ledger: 60M in all.
    roots = Envelope.objects.filter(plan=plan, parent=None)
    assert sum(envelope_balances(e).allocated for e in roots) == Decimal("60000000")


@pytest.mark.django_db
def test_startup_programme_stays_outside_the_plan():
    plan_load(path=OCCITANIE)
    plan_load(path=STARTUP)
    programme = Plan.objects.get(code="programme-startup-industrie-demain")
    assert programme.related_plan.code == "occitanie-ia-2024-2028"
    envelope = Envelope.objects.get(code="startup-industrie-demain-2025")
    assert (envelope.cap, envelope.budget_year) == (Decimal("2000000"), 2025)
    jei = Target.objects.get(code="jei-per-year")
    assert (jei.baseline, jei.target_value, jei.measure) == (50, 100, "both")
    assert Plan.objects.get(code="occitanie-ia-2024-2028").budget == Decimal("60000000")


@pytest.mark.django_db
def test_reloading_the_same_file_changes_nothing():
    plan_load(path=OCCITANIE)
    counts = (LedgerEntry.objects.count(), Envelope.objects.count(), Target.objects.count())
    result = plan_load(path=OCCITANIE)
    assert result.changes == []
    assert not result.changed
    assert (
        LedgerEntry.objects.count(),
        Envelope.objects.count(),
        Target.objects.count(),
    ) == counts
    assert PlanRevision.objects.count() == 0


@pytest.mark.django_db
def test_changed_amount_is_a_budget_revision_in_the_ledger(tmp_path):
    plan_load(path=OCCITANIE)
    doc = _doc()
    # Move 1M from axis 2 to axis 3: the total stays 60M.
    doc["axes"][1]["budget"]["amount"] = 9_000_000
    doc["axes"][2]["budget"]["amount"] = 15_000_000
    result = plan_load(path=_write(tmp_path, doc))
    assert "$ allocation ia-axe-2: 10000000.00 -> 9000000 EUR" in result.changes
    revision = PlanRevision.objects.get()
    assert revision.changes == result.changes
    entries = LedgerEntry.objects.filter(kind=EntryKind.ALLOCATION, envelope__code="ia-axe-2")
    assert sorted(e.amount for e in entries) == [Decimal("-1000000"), Decimal("10000000")]
    assert envelope_balances(Envelope.objects.get(code="ia-axe-3")).allocated == 15_000_000
    assert Axis.objects.get(code="ia-axe-2").budget == 9_000_000


@pytest.mark.django_db
def test_revision_below_commitments_is_refused_and_nothing_changes(tmp_path):
    plan_load(path=OCCITANIE)
    ledger_commit(
        envelope=Envelope.objects.get(code="ia-axe-2"),
        amount="9500000.00",
        budget_year=2025,
        on=date(2025, 2, 1),
        reference="CP-1",
        reason="test",
        actor_label="test",
    )
    doc = _doc()
    doc["axes"][1]["budget"]["amount"] = 9_000_000
    doc["axes"][2]["budget"]["amount"] = 15_000_000
    before = LedgerEntry.objects.count()
    with pytest.raises(PlanFileError) as err:
        plan_load(path=_write(tmp_path, doc))
    assert "ia-axe-2" in str(err.value)
    assert "déjà engagés" in str(err.value)
    assert LedgerEntry.objects.count() == before
    assert Axis.objects.get(code="ia-axe-2").budget == 10_000_000
    assert PlanRevision.objects.count() == 0


def _break(mutate):
    doc = copy.deepcopy(_doc())
    mutate(doc)
    return doc


def _set(path, value):
    def mutate(doc):
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return mutate


def _delete(path):
    def mutate(doc):
        node = doc
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return mutate


INVALID = [
    (
        "axes not summing to the plan total",
        _set(["axes", 4, "budget", "amount"], 6_000_000),
        "axes: the axes' budgets add up to €61,000,000.00 but the plan's budget is €60,000,000.00",
    ),
    (
        "sub-envelopes above their axis",
        _set(["axes", 0, "envelopes", 0, "cap", "amount"], 19_000_000),
        "axes[0].envelopes: the sub-envelopes' caps add up to €23,000,000.00, above axis "
        "1's budget (€22,000,000.00) by €1,000,000.00",
    ),
    (
        "a floor above its cap",
        _set(["axes", 3, "envelopes", 0, "floor", "amount"], 9_500_000),
        "axes[3].envelopes[0].floor.amount: envelope 'ia-axe-4-post-bac' has a floor of "
        "€9,500,000.00 above its cap (€9,000,000.00)",
    ),
    (
        "a negative amount",
        _set(["axes", 2, "budget", "amount"], -14_000_000),
        "axes[2].budget.amount: Input should be greater than or equal to 0",
    ),
    (
        "an unknown field",
        _set(["axes", 1, "budjet"], 3),
        "axes[1].budjet: unknown field; remove it or check its spelling",
    ),
    (
        "a target without a period",
        _delete(["axes", 0, "targets", 0, "period"]),
        "axes[0].targets[0].period: a target needs a period",
    ),
    (
        "an unknown source",
        _set(["axes", 1, "budget", "source"], "rumour"),
        "axes[1].budget.source: unknown source 'rumour'",
    ),
    (
        "a duplicate envelope code",
        _set(["axes", 0, "envelopes", 1, "code"], "ia-axe-1-rd"),
        "axes[0].envelopes[1].code: duplicate code 'ia-axe-1-rd'",
    ),
]


@pytest.mark.parametrize(("case", "mutate", "message"), INVALID, ids=[c[0] for c in INVALID])
@pytest.mark.django_db
def test_invalid_file_is_refused_with_file_path_and_rule(tmp_path, case, mutate, message):
    path = _write(tmp_path, _break(mutate), name="broken.yaml")
    with pytest.raises(PlanFileError) as err:
        plan_load(path=path)
    assert str(err.value).startswith("broken.yaml: ")
    assert message in str(err.value)
    assert Plan.objects.count() == 0
    assert LedgerEntry.objects.count() == 0


def test_not_yaml_names_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("code: [unclosed\n", encoding="utf-8")
    with pytest.raises(PlanFileError) as err:
        read_plan_file(path)
    assert "bad.yaml: line 2" in str(err.value)
    assert "not valid YAML" in str(err.value)


@pytest.mark.django_db
def test_load_plan_command_reports_refusal_and_success(tmp_path, capsys):
    broken = _write(tmp_path, _break(_set(["axes", 4, "budget", "amount"], 6_000_000)), "b.yaml")
    with pytest.raises(CommandError) as err:
        call_command("load_plan", str(broken))
    assert "nothing was loaded" in str(err.value)
    assert "b.yaml: axes:" in str(err.value)
    call_command("load_plan", str(OCCITANIE), str(STARTUP))
    call_command("load_plan", str(OCCITANIE))
    out = capsys.readouterr().out
    assert "occitanie-ia-2024-2028: loaded" in out
    assert "occitanie-ia-2024-2028: unchanged" in out
