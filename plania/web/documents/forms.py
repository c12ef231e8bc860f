from django import forms
from django.utils.translation import gettext_lazy as _

from plania.documents.enums import AttachmentKind
from plania.documents.inspection import accept_attribute


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Nature du document"),
        choices=AttachmentKind.choices,
        initial=AttachmentKind.OTHER,
    )
    file = forms.FileField(
        label=_("Fichier"),
        # The `accept` list only helps the browser's file picker; the server decides by
        # the content (plania.documents.inspection).
        widget=forms.ClearableFileInput(attrs={"accept": accept_attribute()}),
        error_messages={
            "required": _("Choisissez un fichier à déposer."),
            "empty": _("Le fichier choisi est vide : vérifiez que c'est le bon fichier."),
        },
    )
