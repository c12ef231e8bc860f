"""The form of the "to publish" page: which awards were put in the published file, when."""

from django import forms
from django.utils.translation import gettext_lazy as _

from plania.awards.models import Award
from plania.web.fields import DayField


class PublishedForm(forms.Form):
    award = forms.ModelMultipleChoiceField(
        queryset=Award.objects.all(),
        label=_("Aides publiées"),
        error_messages={
            "required": _("Cochez les aides publiées."),
            "invalid_choice": _("Aide inconnue : %(value)s."),
            "invalid_pk_value": _("Aide inconnue : %(pk)s."),
        },
    )
    published_on = DayField(label=_("Publiées le"))
