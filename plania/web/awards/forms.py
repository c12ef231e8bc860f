"""Forms of the committee, award, payment and repayment pages.

They check what the browser sent (types, lengths, known choices, amounts and dates people
can type) and say what is wrong in French on the page; the business rules (caps, states,
who may) stay in the services, which raise AwardError.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from plania.awards.enums import LegalBasis
from plania.awards.models import Award
from plania.committee.models import DirectProposal
from plania.instruction.models import Proposal
from plania.plans.models import Envelope
from plania.web.fields import DayField, MoneyField, errors_text

__all__ = ["errors_text"]  # the views show a refused form with it


def _text(label: Any, max_length: int | None = None) -> forms.CharField:
    # Not required here: the services say which text is needed, and when (a refusal needs
    # its reason, an approval does not).
    return forms.CharField(label=label, max_length=max_length, required=False)


# -- Committee sessions ----------------------------------------------------------------


class SessionForm(forms.Form):
    held_on = DayField(label=_("Date de la séance"))
    title = _text(_("Intitulé"), 200)
    deliberation_prefix = _text(_("Préfixe des délibérations"), 40)


class ProposalPickForm(forms.Form):
    proposal = forms.ModelChoiceField(
        queryset=Proposal.objects.all(),
        label=_("Proposition"),
        error_messages={"invalid_choice": _("Cette proposition n'existe pas.")},
    )


class DirectPickForm(forms.Form):
    direct = forms.ModelChoiceField(
        queryset=DirectProposal.objects.all(),
        label=_("Proposition directe"),
        error_messages={"invalid_choice": _("Cette proposition n'existe pas.")},
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("approve", _("Accorder")),
            ("reject", _("Refuser")),
            ("adjourn", _("Ajourner")),
        ],
        label=_("Décision"),
    )
    decided_on = DayField(label=_("Date de la décision"))
    deliberation_reference = _text(_("Délibération"), 60)
    grant = MoneyField(required=False, label=_("Subvention accordée"))
    advance = MoneyField(required=False, label=_("Avance accordée"))
    reason = _text(_("Motif"))


class ConflictForm(forms.Form):
    """A committee member's declaration of a conflict of interest on one item."""

    reason = _text(_("Motif (facultatif)"))


# -- Direct awards ---------------------------------------------------------------------


class DirectForm(forms.Form):
    envelope = forms.ModelChoiceField(
        queryset=Envelope.objects.all(),
        label=_("Enveloppe"),
        error_messages={
            "required": _("Choisissez l'enveloppe."),
            "invalid_choice": _("Choisissez l'enveloppe."),
        },
    )
    beneficiary_name = _text(_("Bénéficiaire"), 255)
    beneficiary_siret = _text(_("SIRET du bénéficiaire"), 30)
    beneficiary_email = forms.EmailField(
        required=False,
        label=_("Adresse e-mail du bénéficiaire"),
        error_messages={"invalid": _("Adresse e-mail invalide.")},
    )
    purpose = _text(_("Objet"), 256)
    amount = MoneyField(label=_("Montant de la subvention"))
    legal_basis = forms.ChoiceField(choices=LegalBasis.choices, label=_("Base juridique"))
    justification = _text(_("Motivation"))


# -- Awards: one form per action of the award's page -----------------------------------


class SignForm(forms.Form):
    accept = forms.BooleanField(required=False)
    signer_name = _text(_("Signataire"), 200)
    sha256 = _text(_("Empreinte de la convention"), 64)


class SignedUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Convention signée"),
        error_messages={"required": _("Choisissez le fichier PDF de la convention signée.")},
    )
    signer_name = _text(_("Signataire"), 200)


class PaymentRequestForm(forms.Form):
    line = forms.ModelChoiceField(
        queryset=None,  # the award's schedule, set in __init__
        required=False,
        label=_("Échéance"),
        error_messages={"invalid_choice": _("Cette échéance n'est pas celle de l'aide.")},
    )
    amount = MoneyField(label=_("Montant demandé"))
    note = _text(_("Commentaire"))

    def __init__(self, *args: Any, award: Award, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = award.schedule.all()  # type: ignore[attr-defined]


class _OnRequest(forms.Form):
    """An action on one of the award's payment requests (another award's is refused)."""

    request = forms.ModelChoiceField(
        queryset=None,
        label=_("Demande de versement"),
        error_messages={
            "required": _("Demande de versement introuvable."),
            "invalid_choice": _("Demande de versement introuvable."),
        },
    )

    def __init__(self, *args: Any, award: Award, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["request"].queryset = award.payment_requests.all()  # type: ignore[attr-defined]


class CertifyForm(_OnRequest):
    amount = MoneyField(required=False, label=_("Montant certifié"))


class RefuseForm(_OnRequest):
    reason = _text(_("Motif"))


class OrderForm(_OnRequest):
    ordered_on = DayField(label=_("Date du mandat"))


class RepaymentForm(forms.Form):
    amount = MoneyField(label=_("Montant"))
    received_on = DayField(label=_("Reçu le"))
    reference = _text(_("Référence"), 200)


class FinalReportForm(forms.Form):
    file = forms.FileField(
        label=_("Rapport final"),
        error_messages={"required": _("Choisissez le fichier du rapport final.")},
    )


class FailureForm(forms.Form):
    reason = _text(_("Motif"))
    found_on = DayField(label=_("Date du constat"))


class ReasonForm(forms.Form):
    reason = _text(_("Motif"))


class StatementForm(forms.Form):
    file = forms.FileField(
        label=_("Relevé"), error_messages={"required": _("Choisissez le fichier CSV du relevé.")}
    )
