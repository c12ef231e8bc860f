"""Writes of the awards room, and what the rooms of an award's life share.

The award itself is created by the committee's decision (plania.committee.services) and
moves on through its agreement (plania.agreements), its payments (plania.payments) and its
repayments (plania.repayments). This module holds what they share: the refusal every one
of them raises (`AwardError`), the history row (`event_record`), the role check
(`require_role`), the money parser, the award's row lock and its reference.

Keyword-only services, one transaction each, the acting user passed in (CONVENTIONS.md).
Every euro moves through plania.ledger.services (each runs in its own atomic block, nested
in the caller's: a refusal rolls back the whole step). A refusal is an `AwardError` whose
message is for the person (French msgid, translated).

Rows that change (an agenda item, an award, a payment request) are locked first
(select_for_update) and their state read again under the lock, so that a double click or
two people at once make one decision, one payment, one repayment.
"""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from plania.applications.workflow import WorkflowError
from plania.awards.models import Award, AwardEvent
from plania.companies.enums import MembershipStatus
from plania.core.grants import has_role
from plania.ledger.services import LedgerError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class AwardError(Exception):
    """A refusal. `code`: invalid, forbidden, state, overflow, ledger, config, duplicate."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        errors: dict[str, list[str]] | None = None,
        shortfalls: Sequence[Any] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.errors = errors or {}
        self.shortfalls = list(shortfalls)


# -- Helpers ---------------------------------------------------------------------------


def now() -> Any:
    return timezone.now()


def today() -> date:
    return timezone.localdate()


def acting_user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def event_record(*, action: str, actor: Any, reason: str = "", **subjects: Any) -> AwardEvent:
    return AwardEvent.objects.create(
        action=action,
        actor=acting_user(actor),
        at=now(),
        reason=reason,
        from_state=subjects.pop("from_state", ""),
        to_state=subjects.pop("to_state", ""),
        **subjects,
    )


def require_role(actor: Any, *roles: str) -> None:
    for role in roles:
        if has_role(actor, role):
            return
    raise AwardError(_("Cette action ne vous est pas ouverte."), code="forbidden")


def is_beneficiary(actor: Any, award: Award) -> bool:
    if award.company_id is None or not getattr(actor, "is_authenticated", False):
        return False
    return actor.memberships.filter(
        company_id=award.company_id, status=MembershipStatus.ACTIVE
    ).exists()


def parse_money(value: Any, field_name: str) -> Decimal:
    if isinstance(value, float):
        raise AwardError(_("Montant en nombre flottant refusé."), code="invalid")
    try:
        amount = Decimal(
            str(value).strip().replace("\u202f", "").replace(" ", "").replace(",", ".")
        )
    except (InvalidOperation, ValueError) as exc:
        message = _("Montant illisible : « %(value)s ».") % {"value": value}
        raise AwardError(message, code="invalid", errors={field_name: [message]}) from exc
    if not amount.is_finite() or amount != amount.quantize(CENT) or amount < 0:
        message = _("Montant invalide : %(value)s (positif, au plus deux décimales).") % {
            "value": value
        }
        raise AwardError(message, code="invalid", errors={field_name: [message]})
    return amount.quantize(CENT)


def award_lock(award: Award) -> Award:
    return (
        Award.objects.select_for_update(of=("self",))
        .select_related("commitment", "envelope")
        .get(pk=award.pk)
    )


def ledger_refusal(exc: LedgerError) -> AwardError:
    return AwardError(str(exc), code="ledger")


def workflow_refusal(exc: WorkflowError) -> AwardError:
    return AwardError(exc.message, code=exc.code)


def award_reference(deliberation: str) -> str:
    """ "CP/2025-06/12" -> "AID-CP-2025-06-12" (unique as the deliberation is)."""
    return "AID-" + slugify(deliberation.replace("/", "-")).upper()
