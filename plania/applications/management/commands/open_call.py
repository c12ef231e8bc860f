"""plania open_call SCHEME VERSION --envelope CODE --opens ISO --closes ISO

Opens a call for applications on a scheme version of plania/data/schemes. Dates are ISO
8601; without an offset they are Europe/Paris wall-clock time ("2025-03-31T12:00" is noon
in Paris), and a bare date is midnight in Paris. The closing instant is excluded: a
dossier is accepted while opens <= now < closes.
"""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser

from plania.applications.calls import call_problems, paris
from plania.applications.services import ApplicationError, call_open
from plania.plans.models import Envelope

PARIS = ZoneInfo("Europe/Paris")


def parse_instant(text: str, option: str) -> datetime:
    try:
        if len(text.strip()) == 10:
            value = datetime.combine(datetime.fromisoformat(text.strip()).date(), time())
        else:
            value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            f"{option} {text!r}: expected an ISO date or date-time, e.g. 2025-03-31T12:00 "
            "(Europe/Paris when no offset is given)"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=PARIS)
    return value


class Command(BaseCommand):
    help = "Open a call for applications on a scheme version (dates in Europe/Paris by default)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("scheme", help="scheme identifier, e.g. startup-industrie-demain")
        parser.add_argument("version", help='scheme version, e.g. "2025"')
        parser.add_argument("--envelope", required=True, help="code of the funding envelope")
        parser.add_argument("--opens", required=True, help="opening instant (ISO 8601)")
        parser.add_argument("--closes", required=True, help="closing instant, excluded (ISO)")
        parser.add_argument("--title-fr", default="", help="title in French")
        parser.add_argument("--title-en", default="", help="title in English")
        parser.add_argument("--reference", default="", help="slug used in URLs (generated)")

    def handle(self, *args: object, **options: object) -> None:
        opens = parse_instant(str(options["opens"]), "--opens")
        closes = parse_instant(str(options["closes"]), "--closes")
        code = str(options["envelope"])
        envelope = Envelope.objects.filter(code=code).first()
        if envelope is None:
            known = ", ".join(Envelope.objects.order_by("code").values_list("code", flat=True))
            problems = [
                f"{field}: {m}"
                for field, msgs in call_problems(
                    scheme_code=str(options["scheme"]),
                    version=str(options["version"]),
                    opens_at=opens,
                    closes_at=closes,
                ).items()
                for m in msgs
            ]
            raise CommandError(
                "\n".join(
                    [
                        f"envelope: unknown envelope {code!r}; known envelopes: "
                        f"{known or '(none: run load_plan)'}",
                        *problems,
                    ]
                )
            )
        try:
            call = call_open(
                scheme_code=str(options["scheme"]),
                version=str(options["version"]),
                envelope=envelope,
                opens_at=opens,
                closes_at=closes,
                title_fr=str(options["title_fr"]),
                title_en=str(options["title_en"]),
                reference=str(options["reference"]),
            )
        except ApplicationError as exc:
            raise CommandError(
                "\n".join(f"{field}: {m}" for field, msgs in exc.errors.items() for m in msgs)
                or exc.message
            ) from None
        opens_text = f"{paris(call.opens_at):%Y-%m-%d %H:%M:%S}"
        closes_text = f"{paris(call.closes_at):%Y-%m-%d %H:%M:%S}"
        self.stdout.write(
            f"Call {call.reference} opened: {call.title_fr} — from {opens_text} to "
            f"{closes_text} (Europe/Paris, closing excluded), envelope {envelope.code}."
        )
