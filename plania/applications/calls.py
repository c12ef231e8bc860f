"""Calls: what makes a call's scheme and dates valid, and instants as people in France
read them (deadlines are shown in Europe/Paris, stored in UTC).

Below the models (Call.clean checks a call with `call_problems`) and the services.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from plania.applications.validation import Errors
from plania.schemes.selectors import scheme_version, scheme_versions

PARIS = ZoneInfo("Europe/Paris")
_TICK = timedelta(microseconds=1)


def paris(moment: datetime) -> datetime:
    return timezone.localtime(moment, PARIS)


def paris_text(moment: datetime) -> tuple[str, str]:
    """(date, time) of an instant in Europe/Paris, as the active language writes them."""
    local = paris(moment)
    return date_format(local, "j F Y"), local.strftime("%H:%M:%S")


def call_problems(
    *, scheme_code: str, version: str, opens_at: datetime | None, closes_at: datetime | None
) -> Errors:
    """What is wrong with a call's scheme and dates (for the command, the admin, tests)."""
    errors: Errors = {}
    scheme = scheme_version(scheme_code, version)
    if scheme is None:
        known = ", ".join(f"{s.id} {s.version}" for s in scheme_versions())
        errors["scheme_version"] = [
            _("Dispositif ou version inconnus : %(scheme)s %(version)s (connus : %(known)s).")
            % {"scheme": scheme_code, "version": version, "known": known}
        ]
    elif scheme.form is None:
        errors["scheme_version"] = [
            _(
                "Le fichier du dispositif %(scheme)s %(version)s n'a pas de section "
                "« form: » : un appel a besoin du formulaire du dossier."
            )
            % {"scheme": scheme_code, "version": version}
        ]
    if opens_at is not None and closes_at is not None:
        if closes_at <= opens_at:
            errors["closes_at"] = [
                _("La clôture (%(closes)s) doit suivre l'ouverture (%(opens)s).")
                % {
                    "closes": " ".join(paris_text(closes_at)),
                    "opens": " ".join(paris_text(opens_at)),
                }
            ]
        elif scheme is not None:
            first, last = paris(opens_at).date(), paris(closes_at - _TICK).date()
            if first < scheme.valid_from or (
                scheme.valid_until is not None and last >= scheme.valid_until
            ):
                errors["opens_at"] = [
                    _(
                        "Les dates de l'appel (du %(first)s au %(last)s) sortent de la période "
                        "de validité de la version %(version)s du dispositif (du %(start)s "
                        "au %(end)s exclu)."
                    )
                    % {
                        "first": first.isoformat(),
                        "last": last.isoformat(),
                        "version": version,
                        "start": scheme.valid_from.isoformat(),
                        "end": scheme.valid_until.isoformat() if scheme.valid_until else "…",
                    }
                ]
    return errors
