"""Fields and helpers the web rooms' forms share: amounts and dates as people type them,
and a form's errors as one French sentence for a flash message."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from plania.core.formats import format_eur
from plania.rules.form_values import ValueRefused, parse_amount
from plania.rules.forms import MAX_AMOUNT

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class MoneyField(forms.DecimalField):
    """An amount in euros as people type it ("12 500,50", "12500.50 €", "1.200,00"), read
    by the same parser as the dossiers' forms (plania.rules.forms.parse_amount), within
    the ledger's DecimalField(max_digits=14, decimal_places=2)."""

    default_error_messages = {
        "invalid": _("Montant illisible : écrivez-le en euros, par exemple 12 500,00."),
        "negative": _("Le montant ne peut pas être négatif."),
        "too_many_decimals": _("Au plus deux décimales : le montant se compte en centimes."),
        "too_large": _("Montant trop grand : au plus %(max)s."),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=14, decimal_places=2, **kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return parse_amount(value)
        except ValueRefused as refused:
            code = refused.problem.code
            if code == "too_large":
                raise forms.ValidationError(
                    self.error_messages["too_large"] % {"max": format_eur(MAX_AMOUNT)},
                    code="too_large",
                ) from None
            if code in ("negative", "too_many_decimals"):
                raise forms.ValidationError(self.error_messages[code], code=code) from None
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value: Any) -> None:
        forms.Field.validate(self, value)  # parse_amount has checked the rest


class DayField(forms.DateField):
    """A date from a date picker (2025-06-12) or typed the French way (12/06/2025)."""

    default_error_messages = {
        "invalid": _("Date invalide : choisissez-la dans le calendrier ou écrivez JJ/MM/AAAA."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(input_formats=DATE_FORMATS, **kwargs)


def errors_text(form: forms.BaseForm) -> str:
    """The form's errors in one sentence for a flash message: "Montant : ... ; Date : ..."."""
    parts = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = str(field.label) if field is not None and field.label else ""
        for error in errors:
            parts.append(f"{label} : {error}" if label else str(error))
    return " ; ".join(parts)
