"""plania demo_awards: a past committee session, awards with payments, advances in
repayment and one in arrears, a rejection and a direct award (idempotent).

Needs the plans and the demo accounts of `demo_setup` (run it first; `demo_setup` may call
this command at its end). When the other rooms' demo data is not there, it makes what it
needs through their services, as people would have done in 2025: a call of the startup
scheme on its 2025 envelope, companies entered by the demo applicant ("porteur"),
dossiers filed, instructed and proposed by the demo officer ("instructeur"). The clock
is set to each step's date while it runs, so that the dossiers are filed within the
call's period and the history reads as it would have happened.

The Commission permanente of 12 June 2025 (CP/2025-06-DEMO) decides:
1. approved, agreement signed, paid in two instalments, advance repaid on time;
2. approved, paid, advance in arrears (instalments due and not repaid);
3. approved, the agreement waiting for its signature;
4. rejected, with its reason;
5. a direct award to a named body (grant), paid.
The advances of 1 and 2 carry terms set by the deliberation (one quarter of deferral,
eight quarterly instalments) so that instalments fall due in the demo's lifetime; the
scheme's own placeholder terms (eight quarters of deferral) would put the first one in
2027.
"""

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from plania.accounts.roles import Role
from plania.agreements import services as agreements_services
from plania.applications.models import Call
from plania.applications.services import (
    application_create,
    application_save_draft,
    application_submit,
    call_open,
)
from plania.committee import services as committee_services
from plania.committee.models import CommitteeSession
from plania.companies.enums import VerifiedVia
from plania.companies.models import Company
from plania.companies.services import company_create_unverified, representative_verify
from plania.companies.sirene import head_office_siret, sample_siren
from plania.demo.common import DEMO_PASSWORD, DEMO_TERMS, at, clock
from plania.instruction.services import (
    application_start_review,
    proposal_create,
    review_save,
    scheme_assignment_create,
)
from plania.payments import services as payments_services
from plania.plans.models import Envelope
from plania.repayments import services as repayments_services

PREFIX = "CP/2025-06-DEMO"
ENVELOPE = "startup-industrie-demain-2025"
CALL = "demo-startup-industrie-demain-2025"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SCORES = {"breakthrough": 4, "lab_collaboration": 4, "team": 3, "market": 3, "regional_impact": 4}
COMPANIES = [
    # (index for a valid SIREN, name, creation date, requested, approved with terms?)
    (1, "Vision Garonne IA (démo)", date(2021, 3, 15), "150 000"),
    (2, "Pyrène Quantique (démo)", date(2022, 9, 1), "120 000"),
    (3, "Canal du Midi Robotique (démo)", date(2020, 5, 4), "90 000"),
    (4, "Tarn Données Santé (démo)", date(2023, 1, 10), "60 000"),
]
ANSWERS: dict[str, Any] = {
    "project_title": "Projet de démonstration",
    "summary": "Un projet d'IA de démonstration.",
    "deep_tech": "oui",
    "trl": "4",
    "start_date": "2025-06-01",
    "duration_months": "24",
    "headcount": "12",
    "turnover_eur": "850 000",
    "balance_sheet_eur": "1 200 000,00",
    "jei_status": "yes",
    "lab_collaboration": "oui",
    "lab": "laas-cnrs",
    "lab_other": "",
    "collaboration": "Thèse CIFRE avec le LAAS-CNRS.",
}


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF + name.encode(), content_type="application/pdf")


class Command(BaseCommand):
    help = "Demo committee session, awards, payments and repayments (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if CommitteeSession.objects.filter(deliberation_prefix=PREFIX).exists():
            self.stdout.write("demo awards: already there")
            return
        envelope = Envelope.objects.filter(code=ENVELOPE).first()
        if envelope is None:
            raise CommandError("Run `plania demo_setup` first (the startup programme's plan).")
        # All or nothing: a failure half-way leaves no half-made demo behind.
        with transaction.atomic():
            people = self._people()
            call = self._call(envelope, people["officer"])
            proposals = [self._proposal(call, people, *c) for c in COMPANIES]
            direct = self._direct(envelope, people["officer"])
            self._committee(people, proposals, direct)
        self.stdout.write(
            "demo awards: committee session CP/2025-06-DEMO, "
            f"{len(proposals)} dossiers, 1 direct award\n"
            "  /aides/commissions/ (commission@demo.plania.fr), /aides/attributions/, "
            "/aides/remboursements/impayes/ (finances@demo.plania.fr)"
        )

    # -- people -------------------------------------------------------------------------

    def _people(self) -> dict[str, Any]:
        User = get_user_model()

        def user(username: str, email: str, role: str, staff: bool) -> Any:
            person, created = User.objects.get_or_create(
                username=username,
                defaults={"email": email, "is_staff": staff, "email_verified_at": timezone.now()},
            )
            if created:
                person.set_password(DEMO_PASSWORD)
                person.save()
            group, _ = Group.objects.get_or_create(name=role)
            person.groups.add(group)
            return person

        people = {
            "officer": user("instructeur", "instructeur@demo.plania.fr", Role.OFFICER, True),
            "committee": user("commission", "commission@demo.plania.fr", Role.COMMITTEE, False),
            "finance": user("finances", "finances@demo.plania.fr", Role.FINANCE, True),
            "applicant": user("porteur", "porteur@demo.plania.fr", Role.APPLICANT, False),
        }
        if people["applicant"].email_verified_at is None:
            people["applicant"].email_verified_at = timezone.now()
            people["applicant"].save(update_fields=["email_verified_at"])
        scheme_assignment_create(
            officer=people["officer"], scheme_code="startup-industrie-demain", actor=None
        )
        return people

    def _call(self, envelope: Envelope, officer: Any) -> Call:
        existing = Call.objects.filter(reference=CALL).first()
        if existing is not None:
            return existing
        with clock(at(date(2025, 2, 1), 9)):
            return call_open(
                scheme_code="startup-industrie-demain",
                version="2025",
                envelope=envelope,
                opens_at=at(date(2025, 2, 1), 9),
                closes_at=at(date(2025, 4, 30), 12),
                reference=CALL,
                actor=officer,
            )

    # -- dossiers -----------------------------------------------------------------------

    def _proposal(
        self, call: Call, people: dict[str, Any], index: int, name: str, created: date, asked: str
    ) -> Any:
        applicant, officer = people["applicant"], people["officer"]
        siren = sample_siren(index, seed=2025_06)
        with clock(at(date(2025, 3, 3))):
            company = Company.objects.filter(siren=siren).first()
            if company is None:
                company = company_create_unverified(
                    actor=applicant,
                    siren=siren,
                    name=name,
                    creation_date=created,
                    postcode="31000",
                    naf_code="62.01Z",
                    size_band="11",
                    category="PME",
                ).company
            # The demo applicant is a verified representative of the companies they file
            # for (as an administrator would have attached them); identifying a company
            # alone only files a pending request.
            representative_verify(
                company=company, user=applicant, via=VerifiedVia.STAFF, actor=officer
            )
            app = application_create(call=call, company=company, actor=applicant).application
            app = application_save_draft(
                application=app,
                actor=applicant,
                answers={**ANSWERS, "requested_eur": asked},
                cost_lines=[
                    {
                        "label": "Ingénieurs IA",
                        "category": "personnel",
                        "amount": "180 000",
                        "eligible": "oui",
                    },
                ],
            )
            app = application_submit(application=app, actor=applicant).application
        with clock(at(date(2025, 4, 15))):
            application_start_review(application=app, actor=officer)
            review_save(
                application=app,
                actor=officer,
                summary="Dossier de démonstration.",
                recommendation="favourable",
                scores=SCORES,
            )
            return proposal_create(application=app, actor=officer)

    def _direct(self, envelope: Envelope, officer: Any) -> Any:
        with clock(at(date(2025, 5, 20))):
            return committee_services.direct_propose(
                envelope=envelope,
                beneficiary_name="Rendez-vous de l'IA en Occitanie — organisateur (démo)",
                beneficiary_siret=head_office_siret(sample_siren(9, seed=2025_06)),
                purpose="Organisation du Rendez-vous de l'IA en Occitanie 2025",
                amount="20000",
                legal_basis="not_state_aid",
                justification="Manifestation annuelle prévue par le plan (axe 5).",
                actor=officer,
            )

    # -- the committee and what follows -------------------------------------------------

    def _committee(self, people: dict[str, Any], proposals: list[Any], direct: Any) -> None:
        committee, finance, officer = people["committee"], people["finance"], people["officer"]
        applicant = people["applicant"]
        held = date(2025, 6, 12)
        with clock(at(held, 14)):
            session = committee_services.session_create(
                held_on=held,
                title="Commission permanente du 12 juin 2025 (démo)",
                deliberation_prefix=PREFIX,
                actor=committee,
            )
            items = [
                committee_services.session_add_proposal(
                    session=session, proposal=p, actor=committee
                )
                for p in proposals
            ]
            direct_item = committee_services.session_add_direct(
                session=session, direct=direct, actor=committee
            )
            repaid_on_time = committee_services.decision_approve(
                item=items[0], actor=committee, terms=DEMO_TERMS
            )
            in_arrears = committee_services.decision_approve(
                item=items[1], actor=committee, advance="60000", terms=DEMO_TERMS
            )
            committee_services.decision_approve(item=items[2], actor=committee)
            committee_services.decision_reject(
                item=items[3],
                actor=committee,
                reason="Le lien avec le laboratoire partenaire n'est pas établi.",
            )
            direct_award = committee_services.decision_approve(item=direct_item, actor=committee)
            committee_services.session_close(session=session, actor=committee)
        for award in (repaid_on_time, in_arrears):
            self._pay(award, applicant, officer, finance)
        with clock(at(date(2025, 6, 20))):
            agreements_services.agreement_waive(award=direct_award, actor=officer)
            request = payments_services.payment_request_create(
                award=direct_award, actor=officer, amount=direct_award.total
            )
            payments_services.payment_request_certify(request=request, actor=officer)
            payments_services.payment_order(
                request=request, actor=finance, ordered_on=date(2025, 6, 25)
            )
        today = timezone.localdate()
        for award, keep_up in ((repaid_on_time, True), (in_arrears, False)):
            due = award.instalments.filter(superseded=False, due_on__lte=today).order_by("due_on")
            for n, instalment in enumerate(due):
                if not keep_up and n >= 2:
                    break  # the third instalment on is left unpaid: in arrears
                with clock(at(instalment.due_on)):
                    repayments_services.repayment_record(
                        award=award,
                        actor=finance,
                        amount=instalment.amount,
                        received_on=instalment.due_on,
                        reference=instalment.reference,
                    )

    def _pay(self, award: Any, applicant: Any, officer: Any, finance: Any) -> None:
        with clock(at(date(2025, 6, 20))):
            agreements_services.agreement_accept(
                award=award, actor=applicant, signer_name="Camille Porteur"
            )
        on_signature, balance = award.schedule.order_by("position")
        with clock(at(date(2025, 6, 25))):
            request = payments_services.payment_request_create(
                award=award, actor=applicant, amount=on_signature.amount, line=on_signature
            )
            payments_services.payment_request_certify(request=request, actor=officer)
            payments_services.payment_order(
                request=request, actor=finance, ordered_on=date(2025, 7, 1)
            )
        with clock(at(date(2025, 11, 20))):
            agreements_services.final_report_submit(
                award=award, actor=applicant, uploaded_file=pdf("rapport-final.pdf")
            )
            request = payments_services.payment_request_create(
                award=award, actor=applicant, amount=balance.amount, line=balance
            )
            payments_services.payment_request_certify(request=request, actor=officer)
            payments_services.payment_order(
                request=request, actor=finance, ordered_on=date(2025, 12, 1)
            )
