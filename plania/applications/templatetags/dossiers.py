"""Template filters for the dossier pages: `{% load dossiers %}`."""

from datetime import date

from django import template
from django.utils.formats import date_format

register = template.Library()


@register.filter
def isodate(value: str | date | None) -> str:
    """An ISO date (as kept in the frozen JSON) as the active language writes it."""
    if not value:
        return "—"
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return date_format(day, "SHORT_DATE_FORMAT")
