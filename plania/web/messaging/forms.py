from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from plania.documents.inspection import accept_attribute
from plania.messaging.enums import MessageKind
from plania.messaging.models import BODY_MAX_LENGTH


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); none is fine."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept_attribute()}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class MessageForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Nature du message"),
        widget=forms.RadioSelect,
        initial=MessageKind.MESSAGE,
    )
    body = forms.CharField(
        label=_("Votre message"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=BODY_MAX_LENGTH,
        error_messages={"required": _("Écrivez votre message avant de l'envoyer.")},
    )
    files = MultipleFileField(label=_("Documents joints (facultatif)"))

    def __init__(self, *args: Any, actions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = actions
        if len(actions) == 1:
            self.fields["action"].widget = forms.HiddenInput()
