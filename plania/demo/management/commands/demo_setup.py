"""Load the Occitanie plan, its startup programme and demo data; print the demo accounts.

Idempotent: `make demo` may run it any number of times.
"""

from datetime import date, timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from plania.accounts.roles import Role
from plania.demo.common import DEMO_PASSWORD
from plania.ledger.enums import EntryKind
from plania.ledger.models import LedgerEntry
from plania.ledger.plan_load import plan_load
from plania.ledger.services import ledger_commit, ledger_pay
from plania.plans.models import Envelope

DATA = Path(__file__).resolve().parents[3] / "data" / "plans"
PLAN_FILES = ["occitanie-ia-2024-2028.yaml", "startup-industrie-demain.yaml"]
DEMO_CALL = "projets-rd-ia-demo"
ACCOUNTS = [
    ("admin@demo.plania.fr", "admin", Role.ADMIN, True),
    ("instructeur@demo.plania.fr", "instructeur", Role.OFFICER, True),
    ("finances@demo.plania.fr", "finances", Role.FINANCE, True),
    ("pilotage@demo.plania.fr", "pilotage", Role.STEERING, True),
    ("porteur@demo.plania.fr", "porteur", Role.APPLICANT, False),
]
# Demo movements: (envelope, amount committed, amount paid, reference, reason).
DEMO_MOVEMENTS = [
    ("ia-axe-1-rd", "450000.00", "180000.00", "DEMO-CP-2024-11-001", "Projet R&D IA (démo)"),
    ("ia-axe-1-animation", "120000.00", "60000.00", "DEMO-CP-2024-11-002", "Animation (démo)"),
    ("ia-axe-3", "2500000.00", "1000000.00", "DEMO-CP-2024-12-001", "ANITI (démo)"),
    ("ia-axe-4-post-bac", "400000.00", "0.00", "DEMO-CP-2025-03-001", "Formation (démo)"),
]


class Command(BaseCommand):
    help = "Load the Occitanie AI plan, the startup programme and demo data (idempotent)."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        for name in PLAN_FILES:
            result = plan_load(path=DATA / name, actor_label=f"demo_setup {name}")
            state = "loaded" if result.created else ("revised" if result.changes else "unchanged")
            self.stdout.write(f"{result.plan.code}: {state}")
        with transaction.atomic():
            self._movements()
        self._call()
        self._accounts()
        # Committee session, awards with payments, advances in repayment, one in arrears.
        call_command("demo_awards", stdout=self.stdout)
        # Volume: companies and dossiers in every state, awards, payments, ledger entries.
        call_command("demo_data", applications=200, seed=1, stdout=self.stdout)
        self.stdout.write(
            "\nSite: http://127.0.0.1:8000/  (English: /en/, admin: /admin/). Staff accounts "
            "use a second factor (TOTP) unless PLANIA_OTP_REQUIRED=0, as `make demo` sets."
        )

    def _call(self) -> None:
        """An open call on the axis-1 R&D scheme, so that a visitor can apply."""
        from plania.applications.models import Call
        from plania.applications.services import call_open

        if Call.objects.filter(reference=DEMO_CALL).exists():
            return
        now = timezone.now()
        call_open(
            scheme_code="ia-rd-projets",
            version="2025",
            envelope=Envelope.objects.get(code="ia-axe-1-rd"),
            opens_at=now - timedelta(days=7),
            closes_at=now + timedelta(days=60),
            title_fr="Projets R&D IA — appel de démonstration",
            title_en="AI R&D projects — demo call",
            reference=DEMO_CALL,
        )
        self.stdout.write(f"demo call open: /appels/{DEMO_CALL}/")

    def _movements(self) -> None:
        for code, committed, paid, reference, reason in DEMO_MOVEMENTS:
            if LedgerEntry.objects.filter(reference=reference).exists():
                continue
            envelope = Envelope.objects.get(code=code)
            commitment = ledger_commit(
                envelope=envelope,
                amount=committed,
                budget_year=2025,
                on=date(2025, 1, 15),
                reference=reference,
                reason=reason,
                actor_label="demo_setup",
            )
            if paid != "0.00":
                ledger_pay(
                    commitment=commitment,
                    amount=paid,
                    budget_year=2025,
                    on=date(2025, 3, 1),
                    reference=f"{reference}-M1",
                    reason=f"{reason} : premier versement",
                    actor_label="demo_setup",
                )
        count = LedgerEntry.objects.exclude(kind=EntryKind.ALLOCATION).count()
        self.stdout.write(f"demo ledger movements: {count}")

    def _accounts(self) -> None:
        User = get_user_model()
        self.stdout.write(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
        for email, username, role, staff in ACCOUNTS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"email": email, "is_staff": staff}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.is_superuser = role == Role.ADMIN
                user.save()
            group, _ = Group.objects.get_or_create(name=role.value)
            user.groups.add(group)
            if user.email_verified_at is None:
                user.email_verified_at = timezone.now()
                user.save(update_fields=["email_verified_at"])
            if role == Role.OFFICER:
                self._assign(user)
            self.stdout.write(f"  {role.label:<24} {username:<12} {email}")

    def _assign(self, officer) -> None:  # type: ignore[no-untyped-def]
        """The demo officer instructs both shipped schemes."""
        from plania.instruction.services import scheme_assignment_create

        for scheme in ("startup-industrie-demain", "ia-rd-projets"):
            scheme_assignment_create(officer=officer, scheme_code=scheme, actor=None)
