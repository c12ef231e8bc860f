"""What an "approve all" of a session cannot cover: the proposals that take an envelope
past what it has available, in agenda order, and by how much (plania.ledger's envelope
tree gives each envelope's headroom)."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from plania.awards.services import ZERO
from plania.committee.models import AgendaItem
from plania.core.formats import format_eur
from plania.ledger.selectors import EnvelopeTree
from plania.plans.models import Envelope


@dataclass(frozen=True)
class Shortfall:
    """A proposal of an "approve all" that the envelope cannot cover, and by how much."""

    item: AgendaItem
    envelope: Envelope
    available: Decimal  # what the limiting envelope has before the batch
    cumulative: Decimal  # what the batch asks of it up to and including this item
    short_by: Decimal


def batch_shortfalls(items: Sequence[AgendaItem]) -> list[Shortfall]:
    """Walk the items in agenda order, adding each amount to every envelope above it;
    an item that takes an envelope past what it has available is short by the part past
    it (at most its own amount). The shortfalls sum to the batch's overflow."""
    trees: dict[int, EnvelopeTree] = {}
    running: dict[int, Decimal] = {}
    out: list[Shortfall] = []
    for item in items:
        envelope = item.envelope
        tree = trees.get(envelope.plan_id)
        if tree is None:
            tree = trees[envelope.plan_id] = EnvelopeTree(
                Envelope.objects.filter(plan_id=envelope.plan_id)
            )
        amount = item.proposed_total
        worst: tuple[Decimal, int, Decimal, Decimal] | None = None
        for pk in tree.chain(envelope.pk):
            headroom = tree.headroom(pk)
            if headroom is None:
                continue
            cumulative = running.get(pk, ZERO) + amount
            running[pk] = cumulative
            over = min(amount, cumulative - headroom)
            if over > 0 and (worst is None or over > worst[0]):
                worst = (over, pk, headroom, cumulative)
        if worst is not None:
            over, pk, headroom, cumulative = worst
            limiting = envelope if pk == envelope.pk else Envelope.objects.get(pk=pk)
            out.append(Shortfall(item, limiting, max(headroom, ZERO), cumulative, over))
    return out


def shortfall_message(shortfalls: Sequence[Shortfall]) -> str:
    parts = [
        _("point %(n)s, %(name)s%(ref)s : %(amount)s, manque %(short)s sur « %(envelope)s »")
        % {
            "n": s.item.position,
            "name": s.item.beneficiary_name,
            "ref": f" ({s.item.dossier_reference})" if s.item.dossier_reference else "",
            "amount": format_eur(s.item.proposed_total),
            "short": format_eur(s.short_by),
            "envelope": s.envelope.name,
        }
        for s in shortfalls
    ]
    total = sum((s.short_by for s in shortfalls), ZERO)
    return _(
        "Rien n'a été accordé : l'enveloppe ne couvre pas l'ensemble des propositions "
        "(il manque %(total)s). Propositions qui ne tiennent pas, dans l'ordre du jour : "
        "%(list)s."
    ) % {"total": format_eur(total), "list": " ; ".join(parts)}
