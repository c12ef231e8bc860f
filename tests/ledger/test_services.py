"""The ledger's services and invariants (DESIGN.md section 5).

Every refusal is checked three ways: it is a LedgerError, its message names the envelope,
the amount asked and the amount available, and it left no ledger row behind. Concurrency
is proven on PostgreSQL in test_postgres.py.
"""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.db.models import RestrictedError
from django.utils import translation

from plania.ledger.enums import EntryKind
from plania.ledger.models import LedgerEntry, LedgerImmutableError
from plania.ledger.selectors import (
    Balances,
    EnvelopeTree,
    commitment_sums,
    envelope_balances,
    plan_balances,
    sums_by_envelope_year,
    sums_over_years,
)
from plania.ledger.services import (
    LedgerError,
    ledger_allocate,
    ledger_commit,
    ledger_decommit,
    ledger_pay,
    ledger_repay,
)
from plania.plans.models import Envelope
from tests.factories import (
    TEST_DAY,
    TEST_YEAR,
    EnvelopeFactory,
    UserFactory,
    allocate,
    envelope_with_allocation,
)

pytestmark = pytest.mark.django_db

D = Decimal
NNBSP = "\u202f"  # French thousands separator (CLDR, through Babel)
NBSP = "\u00a0"  # before the euro sign


def eur_fr(text: str) -> str:
    """'1 500,00 €' as format_eur writes it in French, from '1 500,00'."""
    return text.replace(" ", NNBSP) + f"{NBSP}€"


def fr(amount: str) -> str:
    """'1000.01' written in French: '1 000,01 €' (thousands grouped by three)."""
    units, cents = amount.split(".")
    groups = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    return eur_fr(" ".join(groups) + "," + cents)


def label(envelope: Envelope) -> str:
    return f"« {envelope.name} » ({envelope.code})"


def commit(envelope: Envelope, amount: Any, **kwargs: Any) -> LedgerEntry:
    fields: dict[str, Any] = {
        "budget_year": TEST_YEAR,
        "on": TEST_DAY,
        "reference": "ENG-2025-001",
        "reason": "Aide à l'innovation",
        "actor_label": "tests",
    }
    fields.update(kwargs)
    return ledger_commit(envelope=envelope, amount=amount, **fields)


MOVEMENTS: dict[str, Callable[..., LedgerEntry]] = {
    "decommit": ledger_decommit,
    "pay": ledger_pay,
    "repay": ledger_repay,
}


def move(kind: str, commitment: LedgerEntry, amount: Any, **kwargs: Any) -> LedgerEntry:
    fields: dict[str, Any] = {
        "budget_year": TEST_YEAR,
        "on": TEST_DAY,
        "reference": f"{kind.upper()}-001",
        "reason": "Mouvement de test",
        "actor_label": "tests",
    }
    fields.update(kwargs)
    return MOVEMENTS[kind](commitment=commitment, amount=amount, **fields)


def refused(action: Callable[[], object]) -> LedgerError:
    """Run `action`, expect a LedgerError, and check that no ledger row was written."""
    before = LedgerEntry.objects.count()
    with pytest.raises(LedgerError) as info:
        action()
    assert LedgerEntry.objects.count() == before
    return info.value


# --- commitments against one envelope -------------------------------------------------


@pytest.mark.parametrize(
    ("allocations", "prior", "asked"),
    [
        (["1000.00"], [], "0.01"),
        (["1000.00"], [], "1000.00"),  # exactly the allocation
        (["1000.00"], ["999.99"], "0.01"),
        (["1000.00", "-200.00"], ["500.00"], "300.00"),  # after a downward revision
        (["1000.00", "250.50"], ["1000.00"], "250.50"),  # after an upward revision
    ],
)
def test_commit_within_allocation_is_recorded(
    allocations: list[str], prior: list[str], asked: str
) -> None:
    envelope = EnvelopeFactory()
    for amount in allocations:
        allocate(envelope, amount)
    for amount in prior:
        commit(envelope, amount)

    entry = commit(envelope, asked, reference="ENG-X", reason=" Aide ")

    entry.refresh_from_db()
    assert (entry.kind, entry.amount, entry.envelope_id) == (
        EntryKind.COMMITMENT,
        D(asked),
        envelope.pk,
    )
    assert (entry.reference, entry.reason, entry.budget_year) == ("ENG-X", "Aide", TEST_YEAR)
    allocated = sum((D(a) for a in allocations), D(0))
    committed = sum((D(a) for a in prior), D(asked))
    assert envelope_balances(envelope).available == allocated - committed


@pytest.mark.parametrize(
    ("allocations", "prior", "asked", "available", "asked_fr", "available_fr"),
    [
        (["1000.00"], [], "1000.01", "1000.00", "1 000,01", "1 000,00"),
        (["1000.00"], ["600.00"], "400.01", "400.00", "400,01", "400,00"),
        (["1000.00"], ["1000.00"], "0.01", "0.00", "0,01", "0,00"),
        (["1000.00", "-200.00"], [], "800.01", "800.00", "800,01", "800,00"),
        (["1500000.00"], ["2.50"], "1500000.00", "1499997.50", "1 500 000,00", "1 499 997,50"),
    ],
)
def test_commit_over_allocation_is_refused_with_envelope_asked_and_available(
    allocations: list[str],
    prior: list[str],
    asked: str,
    available: str,
    asked_fr: str,
    available_fr: str,
) -> None:
    envelope = EnvelopeFactory()
    for amount in allocations:
        allocate(envelope, amount)
    for amount in prior:
        commit(envelope, amount)

    error = refused(lambda: commit(envelope, asked))

    assert str(error) == (
        f"Enveloppe {label(envelope)} : engagement de {eur_fr(asked_fr)} refusé, "
        f"seuls {eur_fr(available_fr)} sont disponibles."
    )
    assert (error.envelope, error.requested, error.available) == (
        envelope,
        D(asked),
        D(available),
    )


def test_refusal_message_in_english_formats_amounts_and_names_in_english() -> None:
    envelope = envelope_with_allocation("1000.00", name_en="Research", name_fr="Recherche")
    commit(envelope, "600.00")

    with translation.override("en"):
        error = refused(lambda: commit(envelope, "1500.00"))
        text = str(error)

    # Sentence from the English catalogue (plania/locale/en); amounts and the envelope's
    # name follow the active language too.
    assert text == (
        f"Envelope « Research » ({envelope.code}): commitment of €1,500.00 refused, "
        "only €400.00 is available."
    )
    with translation.override("fr"):
        assert str(refused(lambda: commit(envelope, "1500.00"))) == (
            f"Enveloppe « Recherche » ({envelope.code}) : engagement de {eur_fr('1 500,00')} "
            f"refusé, seuls {eur_fr('400,00')} sont disponibles."
        )
    assert (error.envelope, error.requested, error.available) == (
        envelope,
        D("1500.00"),
        D("400.00"),
    )


# --- sub-envelopes ----------------------------------------------------------------------


@pytest.fixture
def family() -> dict[str, Envelope]:
    """A root allocated 1000.00; a capped child allocated 300.00; an uncapped sibling."""
    root = envelope_with_allocation("1000.00")
    capped = envelope_with_allocation("300.00", parent=root, cap=D("300.00"))
    uncapped = EnvelopeFactory(parent=root)
    return {"root": root, "capped": capped, "uncapped": uncapped}


@pytest.mark.parametrize(
    ("prior_on_uncapped", "asked_on_capped", "limited_by", "available"),
    [
        (None, "300.00", None, None),
        (None, "300.01", "capped", "300.00"),
        ("800.00", "200.00", None, None),
        ("800.00", "200.01", "root", "200.00"),  # own cap has room, the parent has not
        ("750.00", "250.00", None, None),
        ("1000.00", "0.01", "root", "0.00"),
    ],
)
def test_sub_envelope_is_limited_by_its_cap_and_by_its_parent(
    family: dict[str, Envelope],
    prior_on_uncapped: str | None,
    asked_on_capped: str,
    limited_by: str | None,
    available: str | None,
) -> None:
    if prior_on_uncapped:
        commit(family["uncapped"], prior_on_uncapped)

    if limited_by is None:
        commit(family["capped"], asked_on_capped)
        assert envelope_balances(family["capped"]).committed == D(asked_on_capped)
        return

    error = refused(lambda: commit(family["capped"], asked_on_capped))
    limiting = family[limited_by]
    assert error.envelope == limiting
    assert (error.requested, error.available) == (D(asked_on_capped), D(available))
    assert str(error).startswith(f"Enveloppe {label(limiting)} : engagement de ")


def test_sub_envelope_without_cap_draws_on_its_parent(family: dict[str, Envelope]) -> None:
    commit(family["capped"], "100.00")
    commit(family["uncapped"], "899.99")

    balances = envelope_balances(family["uncapped"])
    assert balances.allocated is None  # no budget authority of its own
    assert (balances.committed, balances.available) == (D("899.99"), D("0.01"))
    error = refused(lambda: commit(family["uncapped"], "0.02"))
    assert error.envelope == family["root"]
    assert error.available == D("0.01")


def test_capped_sub_envelope_without_allocation_cannot_commit() -> None:
    # The cap is what the plan file says; budget authority comes only from allocations.
    root = envelope_with_allocation("1000.00")
    child = EnvelopeFactory(parent=root, cap=D("300.00"))

    error = refused(lambda: commit(child, "0.01"))

    assert (error.envelope, error.available) == (child, D("0.00"))


def test_grandchild_is_limited_by_the_nearest_constraining_ancestor() -> None:
    root = envelope_with_allocation("1000.00")
    middle = envelope_with_allocation("500.00", parent=root, cap=D("500.00"))
    leaf = EnvelopeFactory(parent=middle)

    error = refused(lambda: commit(leaf, "500.01"))
    commit(leaf, "500.00")

    assert (error.envelope, error.available) == (middle, D("500.00"))
    balances = plan_balances(root.plan)
    assert balances[root.pk].committed == D("500.00")  # sub-envelopes roll up
    assert balances[root.pk].available == D("500.00")
    assert balances[middle.pk].available == D("0.00")
    assert balances[leaf.pk].available == D("0.00")


# --- budget years ----------------------------------------------------------------------


def test_annual_envelope_refuses_another_budget_year() -> None:
    envelope = envelope_with_allocation("1000.00", annual=True)
    assert envelope.budget_year == TEST_YEAR

    for action in (
        lambda: commit(envelope, "10.00", budget_year=TEST_YEAR + 1),
        lambda: ledger_allocate(
            envelope=envelope,
            amount="10.00",
            budget_year=TEST_YEAR - 1,
            on=TEST_DAY,
            reference="DELIB",
            reason="Révision",
            actor_label="tests",
        ),
    ):
        error = refused(action)
        assert error.envelope == envelope
        assert f"votée pour l'exercice {TEST_YEAR}" in str(error)
        assert label(envelope) in str(error)

    assert commit(envelope, "10.00", budget_year=TEST_YEAR).budget_year == TEST_YEAR


def test_sub_envelope_of_an_annual_envelope_refuses_another_budget_year() -> None:
    parent = envelope_with_allocation("1000.00", annual=True)
    child = EnvelopeFactory(parent=parent)  # no year of its own: it draws on the parent's

    error = refused(lambda: commit(child, "10.00", budget_year=TEST_YEAR + 1))

    assert error.envelope == parent
    assert f"exercice {TEST_YEAR + 1}" in str(error)
    commit(child, "10.00", budget_year=TEST_YEAR)


# --- de-commitments, payments, repayments ----------------------------------------------


@pytest.fixture
def commitment() -> LedgerEntry:
    """500.00 committed on an envelope allocated 1000.00."""
    return commit(envelope_with_allocation("1000.00"), "500.00", reference="ENG-500")


@pytest.mark.parametrize(
    ("before", "kind", "asked", "available"),
    [
        # de-commitment <= committed - paid
        ([], "decommit", "500.01", "500.00"),
        ([("pay", "200.00")], "decommit", "300.01", "300.00"),
        ([("decommit", "500.00")], "decommit", "0.01", "0.00"),
        # payment <= commitment net of de-commitments and of what is already paid
        ([], "pay", "500.01", "500.00"),
        ([("decommit", "100.00")], "pay", "400.01", "400.00"),
        ([("pay", "150.00"), ("decommit", "100.00")], "pay", "250.01", "250.00"),
        # repayment <= paid (net of earlier repayments)
        ([], "repay", "0.01", "0.00"),
        ([("pay", "200.00")], "repay", "200.01", "200.00"),
        ([("pay", "200.00"), ("repay", "150.00")], "repay", "50.01", "50.00"),
    ],
)
def test_movements_on_a_commitment_are_bounded(
    commitment: LedgerEntry,
    before: list[tuple[str, str]],
    kind: str,
    asked: str,
    available: str,
) -> None:
    for previous_kind, amount in before:
        move(previous_kind, commitment, amount)

    error = refused(lambda: move(kind, commitment, asked))

    assert (error.envelope, error.requested, error.available) == (
        commitment.envelope,
        D(asked),
        D(available),
    )
    assert label(commitment.envelope) in str(error)
    assert "ENG-500" in str(error)
    assert fr(asked) in str(error)
    # The exact available amount is accepted: the bound is inclusive.
    if D(available) > 0:
        assert move(kind, commitment, available).amount == D(available)


def test_decommitment_gives_the_amount_back_to_the_envelope(commitment: LedgerEntry) -> None:
    envelope = commitment.envelope
    move("pay", commitment, "200.00")
    move("decommit", commitment, "300.00")

    assert commitment_sums(commitment) == {
        "committed": D("200.00"),
        "paid": D("200.00"),
        "repaid": D("0.00"),
    }
    assert envelope_balances(envelope).available == D("800.00")
    commit(envelope, "800.00")


def test_movement_must_point_at_a_commitment(commitment: LedgerEntry) -> None:
    allocation = LedgerEntry.objects.get(envelope=commitment.envelope, kind=EntryKind.ALLOCATION)

    for kind in MOVEMENTS:
        error = refused(lambda kind=kind: move(kind, allocation, "1.00"))  # type: ignore[misc]
        assert str(error) == "Ce mouvement doit se rattacher à un engagement."


# --- allocations and revisions ---------------------------------------------------------


@pytest.mark.parametrize(
    ("committed", "lowered_by", "accepted", "available"),
    [
        ("700.00", "300.00", True, "300.00"),
        ("700.00", "300.01", False, "300.00"),
        ("1000.00", "0.01", False, "0.00"),
        ("0.00", "1000.00", True, "1000.00"),
        ("0.00", "1000.01", False, "1000.00"),
    ],
)
def test_downward_revision_cannot_go_below_what_is_committed(
    committed: str, lowered_by: str, accepted: bool, available: str
) -> None:
    envelope = envelope_with_allocation("1000.00")
    if D(committed):
        commit(envelope, committed)

    def lower() -> LedgerEntry:
        return ledger_allocate(
            envelope=envelope,
            amount=-D(lowered_by),
            budget_year=TEST_YEAR,
            on=TEST_DAY,
            reference="DELIB-REV",
            reason="Révision à la baisse",
            actor_label="tests",
        )

    if accepted:
        assert lower().amount == -D(lowered_by)
        assert envelope_balances(envelope).allocated == D("1000.00") - D(lowered_by)
        return
    error = refused(lower)
    assert (error.envelope, error.requested, error.available) == (
        envelope,
        D(lowered_by),
        D(available),
    )
    assert str(error) == (
        f"Enveloppe {label(envelope)} : baisse de {fr(lowered_by)} refusée, "
        f"{fr(committed)} sont déjà engagés et seuls {fr(available)} peuvent être retirés."
    )


def test_downward_revision_of_a_parent_counts_its_sub_envelopes() -> None:
    root = envelope_with_allocation("1000.00")
    commit(EnvelopeFactory(parent=root), "700.00")

    error = refused(lambda: allocate(root, "-300.01"))

    assert (error.envelope, error.available) == (root, D("300.00"))


def test_downward_revision_of_an_envelope_without_authority_is_refused() -> None:
    child = EnvelopeFactory(sub=True)

    error = refused(lambda: allocate(child, "-1.00"))

    assert (error.envelope, error.requested, error.available) == (child, D("1.00"), D("0.00"))


# --- amounts and required fields -------------------------------------------------------

SERVICES = ["allocate", "commit", "decommit", "pay", "repay"]


def prepared(service: str) -> Callable[..., LedgerEntry]:
    """Set up fresh data for `service`, then return it ready to take (amount, **fields).

    Any valid amount up to 100.00 would be accepted, so a refusal is the amount's or the
    fields' fault alone.
    """
    envelope = envelope_with_allocation("1000.00")
    if service == "allocate":

        def run(amount: Any, **kwargs: Any) -> LedgerEntry:
            fields: dict[str, Any] = {
                "budget_year": TEST_YEAR,
                "on": TEST_DAY,
                "reference": "DELIB",
                "reason": "Affectation",
                "actor_label": "tests",
            }
            fields.update(kwargs)
            return ledger_allocate(envelope=envelope, amount=amount, **fields)

        return run
    if service == "commit":
        return lambda amount, **kwargs: commit(envelope, amount, **kwargs)
    engagement = commit(envelope, "500.00")
    if service == "repay":
        move("pay", engagement, "200.00")
    return lambda amount, **kwargs: move(service, engagement, amount, **kwargs)


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("12.345", "Montant invalide : 12.345 (au plus deux décimales)."),
        ("0.001", "Montant invalide : 0.001 (au plus deux décimales)."),
        ("abc", "Montant illisible : « abc »."),
        ("", "Montant illisible : «  »."),
        (None, "Montant illisible : « None »."),
        ("NaN", "Montant invalide : NaN (au plus deux décimales)."),
        ("Infinity", "Montant invalide : Infinity (au plus deux décimales)."),
        (0.1, "Montant en nombre flottant refusé (0.1) : donnez un Decimal ou une chaîne."),
        ("1e30", "Montant hors limites : 1e30 (au plus 999 999 999 999,99 €)."),
        (
            "1000000000000.00",
            "Montant hors limites : 1000000000000.00 (au plus 999 999 999 999,99 €).",
        ),
    ],
)
def test_unreadable_or_imprecise_amount_is_refused(service: str, amount: Any, message: str) -> None:
    run = prepared(service)
    error = refused(lambda: run(amount))
    assert str(error) == message.replace(
        "999 999 999 999", "999\u202f999\u202f999\u202f999"
    ).replace(" €)", "\u00a0€)")


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("amount", [0, "0", "0.00", D("-0.00")])
def test_zero_amount_is_refused(service: str, amount: Any) -> None:
    run = prepared(service)
    error = refused(lambda: run(amount))
    assert str(error) == f"Un mouvement de 0 € n'a pas de sens (reçu : {amount})."


@pytest.mark.parametrize("service", ["commit", "decommit", "pay", "repay"])
@pytest.mark.parametrize("amount", ["-0.01", -5, D("-100.00")])
def test_negative_amount_is_refused_except_for_an_allocation(service: str, amount: Any) -> None:
    run = prepared(service)
    error = refused(lambda: run(amount))
    assert str(error) == f"Le montant doit être strictement positif (reçu : {amount})."


def test_integer_and_decimal_amounts_are_accepted_as_cents() -> None:
    envelope = envelope_with_allocation(1000)
    assert commit(envelope, 7).amount == D("7.00")
    assert commit(envelope, D("7.1")).amount == D("7.10")
    assert commit(envelope, "1E+2").amount == D("100.00")
    assert envelope_balances(envelope).committed == D("114.10")


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ({"reference": ""}, "Une référence est obligatoire pour tout mouvement."),
        ({"reference": "  \n"}, "Une référence est obligatoire pour tout mouvement."),
        ({"reason": ""}, "Un motif est obligatoire pour tout mouvement."),
        ({"reason": "\t"}, "Un motif est obligatoire pour tout mouvement."),
        (
            {"actor": None, "actor_label": ""},
            "Tout mouvement a un auteur (une personne ou un traitement nommé).",
        ),
        (
            {"actor": None, "actor_label": "   "},
            "Tout mouvement a un auteur (une personne ou un traitement nommé).",
        ),
    ],
)
def test_missing_reference_reason_or_actor_is_refused(
    service: str, missing: dict[str, Any], message: str
) -> None:
    run = prepared(service)
    error = refused(lambda: run("10.00", **missing))
    assert str(error) == message


def test_a_person_can_be_the_actor_without_a_label() -> None:
    user = UserFactory()
    envelope = envelope_with_allocation("1000.00")

    entry = commit(envelope, "10.00", actor=user, actor_label="")

    entry.refresh_from_db()
    assert (entry.actor, entry.actor_label) == (user, "")


# --- balances --------------------------------------------------------------------------


def test_balances_are_derived_from_every_kind_of_entry() -> None:
    root = envelope_with_allocation("1000.00")
    child = envelope_with_allocation("400.00", parent=root, cap=D("400.00"))
    allocate(root, "500.00")  # upward revision
    first = commit(root, "600.00")
    second = commit(child, "100.00")
    move("decommit", first, "50.00")
    move("pay", first, "300.00")
    move("pay", second, "40.00")
    move("repay", first, "20.00")

    balances = plan_balances(root.plan)

    assert balances[root.pk] == Balances(
        allocated=D("1500.00"),
        committed=D("650.00"),  # 600 - 50 + 100 on the child
        paid=D("340.00"),
        repaid=D("20.00"),
        available=D("850.00"),
    )
    assert balances[root.pk].unpaid_commitments == D("310.00")
    assert balances[child.pk] == Balances(
        allocated=D("400.00"),
        committed=D("100.00"),
        paid=D("40.00"),
        repaid=D("0.00"),
        available=D("300.00"),
    )
    assert envelope_balances(child) == balances[child.pk]
    # Money keeps its two decimals (a SUM may come back as 1500).
    assert [str(balances[root.pk].allocated), str(balances[root.pk].committed)] == [
        "1500.00",
        "650.00",
    ]
    assert {str(v) for v in commitment_sums(second).values()} == {"100.00", "40.00", "0.00"}
    # A repayment does not give commitment authority back: only a de-commitment does.
    commit(root, "850.00")
    assert envelope_balances(child).available == D("0.00")


def test_sums_by_envelope_and_budget_year_feed_the_same_balances() -> None:
    """One grouped read per (envelope, budget year, kind), exact to the cent; added over
    the years it gives the tree the same balances as its own read."""
    root = envelope_with_allocation("1000.00")
    child = envelope_with_allocation("400.00", parent=root, cap=D("400.00"))
    first = commit(root, "600.10", budget_year=2025)
    second = commit(child, "100.05", budget_year=2026)
    third = commit(child, "0.01", budget_year=2026)
    move("decommit", first, "50.00", budget_year=2026)
    move("pay", first, "300.03", budget_year=2026)
    move("pay", second, "40.00", budget_year=2026)
    move("pay", third, "0.01", budget_year=2027)
    move("repay", first, "20.00", budget_year=2027)

    sums = sums_by_envelope_year([root.pk, child.pk])

    assert sums == {
        (root.pk, TEST_YEAR, EntryKind.ALLOCATION): D("1000.00"),
        (child.pk, TEST_YEAR, EntryKind.ALLOCATION): D("400.00"),
        (root.pk, 2025, EntryKind.COMMITMENT): D("600.10"),
        (child.pk, 2026, EntryKind.COMMITMENT): D("100.06"),
        (root.pk, 2026, EntryKind.DECOMMITMENT): D("50.00"),
        (root.pk, 2026, EntryKind.PAYMENT): D("300.03"),
        (child.pk, 2026, EntryKind.PAYMENT): D("40.00"),
        (child.pk, 2027, EntryKind.PAYMENT): D("0.01"),
        (root.pk, 2027, EntryKind.REPAYMENT): D("20.00"),
    }
    assert all(str(v) == f"{v:.2f}" for v in sums.values())  # two decimals, any backend
    envelopes = list(Envelope.objects.filter(plan=root.plan))
    tree = EnvelopeTree(envelopes, sums=sums_over_years(sums))
    balances = plan_balances(root.plan)
    assert {e.pk: tree.balances(e.pk) for e in envelopes} == balances
    assert balances[root.pk].committed == D("650.16")  # 600.10 - 50 + 100.06 on the child
    assert balances[root.pk].paid == D("340.04")


def test_balances_of_an_envelope_without_entries_are_zero() -> None:
    root = EnvelopeFactory()
    child = EnvelopeFactory(parent=root)

    balances = plan_balances(root.plan)

    zero = D("0.00")
    assert balances[root.pk] == Balances(zero, zero, zero, zero, zero)
    assert balances[child.pk] == Balances(None, zero, zero, zero, zero)


def test_other_plans_do_not_leak_into_balances() -> None:
    mine = envelope_with_allocation("1000.00")
    other = envelope_with_allocation("5000.00")
    commit(other, "4000.00")

    assert set(plan_balances(mine.plan)) == {mine.pk}
    assert envelope_balances(mine).available == D("1000.00")
    assert envelope_balances(other).available == D("1000.00")


# --- immutability ----------------------------------------------------------------------


def _save_changed(entry: LedgerEntry) -> None:
    entry.amount = D("1.00")
    entry.save()


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(_save_changed, id="instance.save"),
        pytest.param(lambda e: e.delete(), id="instance.delete"),
        pytest.param(
            lambda e: LedgerEntry.objects.filter(pk=e.pk).update(amount=D("1.00")),
            id="queryset.update",
        ),
        pytest.param(lambda e: LedgerEntry.objects.filter(pk=e.pk).delete(), id="queryset.delete"),
        pytest.param(lambda e: LedgerEntry.objects.all().delete(), id="all.delete"),
        pytest.param(lambda e: LedgerEntry.objects.bulk_update([e], ["amount"]), id="bulk_update"),
        pytest.param(
            lambda e: e.envelope.ledger_entries.update(reason="changed"), id="related.update"
        ),
    ],
)
def test_ledger_rows_cannot_be_changed_through_the_orm(
    commitment: LedgerEntry, tamper: Callable[[LedgerEntry], object]
) -> None:
    count = LedgerEntry.objects.count()

    # In a savepoint, as a caller would: bulk_update() runs its own atomic block.
    with pytest.raises(LedgerImmutableError), transaction.atomic():
        tamper(commitment)

    assert LedgerEntry.objects.count() == count
    stored = LedgerEntry.objects.get(pk=commitment.pk)
    assert (stored.amount, stored.reason) == (D("500.00"), "Aide à l'innovation")


def test_an_envelope_with_entries_cannot_be_deleted(commitment: LedgerEntry) -> None:
    with pytest.raises(RestrictedError):
        commitment.envelope.delete()
    assert LedgerEntry.objects.filter(envelope=commitment.envelope).count() == 2


# --- transactions ----------------------------------------------------------------------


def test_refusal_inside_a_caller_transaction_leaves_it_usable() -> None:
    envelope = envelope_with_allocation("1000.00")

    with transaction.atomic():
        commit(envelope, "400.00")
        refused(lambda: commit(envelope, "600.01"))
        commit(envelope, "600.00")

    assert envelope_balances(envelope).committed == D("1000.00")
    assert LedgerEntry.objects.filter(kind=EntryKind.COMMITMENT).count() == 2


# --- cost of the commit path -----------------------------------------------------------


@pytest.mark.parametrize(("depth", "queries"), [(0, 3), (1, 4), (2, 4)])
def test_commit_runs_a_fixed_number_of_queries(
    django_assert_num_queries: Any, depth: int, queries: int
) -> None:
    # SAVEPOINT, one statement (every level's conditional UPDATE of the running totals,
    # root first, and the INSERT), RELEASE SAVEPOINT; plus one look-up of the levels above
    # the envelope (before any lock), whatever their number. Not one per entry nor per
    # envelope of the plan: the rows of a busy envelope are locked for one statement
    # (bench/ledger_contention.py).
    envelope = envelope_with_allocation("1000.00")
    for _ in range(depth):
        envelope = EnvelopeFactory(parent=envelope)
    for _ in range(3):
        EnvelopeFactory(parent=envelope.root())  # siblings do not add queries
    commit(envelope, "1.00")

    with django_assert_num_queries(queries):
        commit(envelope, "1.00")
