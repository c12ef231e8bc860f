"""Forms of the company pages: they only carry what was typed; the services validate."""

from django import forms
from django.utils.translation import gettext_lazy as _

from plania.companies.enums import CompanyCategory
from plania.companies.reference import size_bands


class IdentifyForm(forms.Form):
    identifier = forms.CharField(
        label=_("Numéro SIREN ou SIRET"),
        max_length=40,
        help_text=_(
            "9 chiffres (SIREN) ou 14 chiffres (SIRET), espaces permis — par exemple "
            "« 732 829 320 ». Il figure sur l'extrait Kbis et les factures de l'entreprise."
        ),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}
        ),
    )


class ManualCompanyForm(forms.Form):
    siren = forms.CharField(
        label=_("SIREN"),
        max_length=20,
        help_text=_("9 chiffres ; la clé de contrôle est vérifiée."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    name = forms.CharField(
        label=_("Dénomination"),
        max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    creation_date = forms.DateField(
        label=_("Date de création"),
        help_text=_("Date d'immatriculation de l'entreprise (extrait Kbis)."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )
    postcode = forms.CharField(
        label=_("Code postal du siège"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    naf_code = forms.CharField(
        label=_("Code NAF (APE)"),
        required=False,
        max_length=10,
        help_text=_("Facultatif, par exemple 62.01Z."),
    )
    size_band = forms.ChoiceField(
        label=_("Effectif salarié"),
        required=False,
        choices=[("", _("Je ne sais pas"))],
    )
    category = forms.ChoiceField(
        label=_("Catégorie d'entreprise"),
        required=False,
        choices=[("", _("Je ne sais pas")), *CompanyCategory.choices],
    )

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["size_band"].choices = [("", _("Je ne sais pas")), *size_bands().items()]


class MandateForm(forms.Form):
    file = forms.FileField(
        label=_("Pouvoir signé (PDF)"),
        help_text=_(
            "Le pouvoir daté et signé par le représentant légal de l'entreprise (gérant, "
            "président), qui vous autorise à demander des aides en son nom. Un PDF."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        error_messages={
            "required": _("Choisissez le fichier PDF du pouvoir."),
            "empty": _("Le fichier choisi est vide : vérifiez que c'est le bon fichier."),
        },
    )


class InviteForm(forms.Form):
    email = forms.CharField(
        label=_("Adresse e-mail de la personne à inviter"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class ConfirmForm(forms.Form):
    """A POST with no field (accepting an invitation or a request): CSRF and nothing else."""


class MandateDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Décision"),
        choices=[("accept", _("Accepter")), ("refuse", _("Refuser"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Motif (obligatoire pour un refus)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
