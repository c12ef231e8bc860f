"""Writes of the agreements room: the agreement's PDF (generated once, kept as
generated), its signature (accepted in the application, uploaded signed, or waived at
most EUR 23,000), and the award's documents (signed agreement, supporting documents of a
payment request, final report), checked like a dossier's attachments.

Refusals are plania.awards.services.AwardError; mails leave after commit
(plania.agreements.emails).
"""

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from plania.accounts.roles import Role
from plania.agreements import emails
from plania.agreements.enums import DocumentKind, SignatureMethod
from plania.agreements.models import Agreement, AwardDocument
from plania.applications.workflow import WorkflowError
from plania.awards import workflow as award_workflow
from plania.awards.enums import AwardState
from plania.awards.models import Award
from plania.awards.permissions import OFFICER as AWARD_OFFICER
from plania.awards.services import (
    AwardError,
    acting_user,
    award_lock,
    event_record,
    is_beneficiary,
    now,
    require_role,
    workflow_refusal,
)
from plania.core.formats import format_eur
from plania.core.grants import can
from plania.documents.services import DocumentError, files_check
from plania.documents.storage import private_storage


def store_bytes(data: bytes, prefix: str) -> str:
    name = f"awards/{prefix}-{secrets.token_hex(16)}"
    return private_storage().save(name, ContentFile(data, name=name))


@transaction.atomic
def agreement_generate(*, award: Award, actor: Any) -> Agreement:
    """The agreement's PDF, generated once from the template and kept as generated."""
    from plania.agreements.pdf import render_agreement_pdf

    award = award_lock(award)
    existing = Agreement.objects.filter(award=award).first()
    if existing is not None:
        return existing
    data = render_agreement_pdf(award)
    stored = store_bytes(data, "agreement")
    try:
        agreement = Agreement.objects.create(
            award=award,
            stored_name=stored,
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            generated_at=now(),
        )
    except BaseException:
        private_storage().delete(stored)
        raise
    event_record(action="agreement_generate", actor=actor, award=award)
    return agreement


def _sign(award: Award, agreement: Agreement, *, actor: Any, method: str, signer: str) -> None:
    try:
        award_workflow.fire(
            award, "sign_agreement", actor=actor, reason=str(SignatureMethod(method).label)
        )
    except WorkflowError as exc:
        raise workflow_refusal(exc) from None
    agreement.signed_at = now()
    agreement.signed_by = acting_user(actor)
    agreement.signer_name = signer.strip()[:200]
    agreement.signature_method = method
    agreement.save()
    transaction.on_commit(lambda: emails.agreement_signed_send(award.pk))


@transaction.atomic
def agreement_accept(*, award: Award, actor: Any, signer_name: str, sha256: str = "") -> Agreement:
    """In-app acceptance by a member of the beneficiary company: timestamp and signer,
    and the SHA-256 of the PDF they were shown (a stale page cannot sign another text)."""
    award = award_lock(award)
    if not is_beneficiary(actor, award):
        raise AwardError(
            _("Seul un membre de l'entreprise bénéficiaire peut accepter la convention."),
            code="forbidden",
        )
    agreement = Agreement.objects.select_for_update().filter(award=award).first()
    if agreement is None:
        agreement = agreement_generate(award=award, actor=actor)
    if agreement.signed_at is not None:
        raise AwardError(_("La convention est déjà signée."), code="state")
    if sha256 and sha256 != agreement.sha256:
        raise AwardError(
            _("La convention a changé depuis l'affichage de la page : relisez-la."), code="stale"
        )
    if not signer_name.strip():
        message = _("Indiquez vos nom et qualité de signataire.")
        raise AwardError(message, code="invalid", errors={"signer_name": [message]})
    _sign(award, agreement, actor=actor, method=SignatureMethod.IN_APP, signer=signer_name)
    return agreement


def checked_files(files: Iterable[Any], *, pdf_only: bool = False) -> list[Any]:
    try:
        checked = files_check(list(files))
    except DocumentError as exc:
        raise AwardError(exc.message, code="invalid", errors={"file": exc.messages}) from None
    if pdf_only:
        for item in checked:
            if item.detected.mime != "application/pdf":
                message = _(
                    "« %(name)s » n'est pas un PDF : déposez la convention signée en PDF."
                ) % {"name": item.display_name}
                raise AwardError(message, code="invalid", errors={"file": [message]})
    return checked


def documents_create(
    award: Award, checked: Sequence[Any], *, kind: str, actor: Any, request: Any = None
) -> list[AwardDocument]:
    stored: list[str] = []
    created: list[AwardDocument] = []
    try:
        for item in checked:
            item.uploaded_file.seek(0)
            name = store_bytes(item.uploaded_file.read(), kind)
            stored.append(name)
            created.append(
                AwardDocument.objects.create(
                    award=award,
                    payment_request=request,
                    kind=kind,
                    original_name=item.display_name,
                    stored_name=name,
                    content_type=item.detected.mime,
                    size=item.size,
                    sha256=item.sha256,
                    uploaded_by=actor,
                    uploaded_at=now(),
                )
            )
    except BaseException:
        for name in stored:
            private_storage().delete(name)
        raise
    return created


def agreement_upload_signed(
    *, award: Award, actor: Any, uploaded_file: Any, signer_name: str = ""
) -> Agreement:
    """The agreement signed on paper or with a signature tool, uploaded as a PDF (checked
    like any upload), by a member of the company or an officer."""
    if not (is_beneficiary(actor, award) or can(actor, AWARD_OFFICER, award)):
        raise AwardError(_("Cette action ne vous est pas ouverte."), code="forbidden")
    checked = checked_files([uploaded_file], pdf_only=True)
    with transaction.atomic():
        award = award_lock(award)
        agreement = Agreement.objects.select_for_update().filter(award=award).first()
        if agreement is None:
            agreement = agreement_generate(award=award, actor=actor)
        if agreement.signed_at is not None:
            raise AwardError(_("La convention est déjà signée."), code="state")
        (document,) = documents_create(
            award, checked, kind=DocumentKind.SIGNED_AGREEMENT, actor=actor
        )
        agreement.signed_document = document
        _sign(
            award,
            agreement,
            actor=actor,
            method=SignatureMethod.UPLOAD,
            signer=signer_name or actor.get_full_name() or actor.email,
        )
    return agreement


@transaction.atomic
def agreement_waive(*, award: Award, actor: Any) -> Agreement | None:
    """At most EUR 23,000 an agreement is not compulsory (décret 2001-495): an officer
    records that the notified decision stands for it, and payments may start."""
    require_role(actor, Role.OFFICER)
    award = award_lock(award)
    if award.agreement_required:
        raise AwardError(
            _("Au-delà de %(t)s, une convention écrite est obligatoire (décret 2001-495).")
            % {"t": format_eur(settings.PLANIA_AGREEMENT_THRESHOLD)},
            code="invalid",
        )
    agreement = Agreement.objects.filter(award=award).first() or agreement_generate(
        award=award, actor=actor
    )
    if agreement.signed_at is not None:
        raise AwardError(_("La convention est déjà signée."), code="state")
    _sign(
        award,
        agreement,
        actor=actor,
        method=SignatureMethod.NOT_REQUIRED,
        signer=actor.get_full_name() or actor.email,
    )
    return agreement


def final_report_submit(*, award: Award, actor: Any, uploaded_file: Any) -> AwardDocument:
    """The beneficiary's final report (a document), the condition of the balance."""
    if not (is_beneficiary(actor, award) or can(actor, AWARD_OFFICER, award)):
        raise AwardError(_("Cette action ne vous est pas ouverte."), code="forbidden")
    checked = checked_files([uploaded_file])
    with transaction.atomic():
        award = award_lock(award)
        if award.state not in (AwardState.AGREEMENT_SIGNED, AwardState.IN_PAYMENT):
            raise AwardError(
                _("Le rapport final se dépose une fois la convention signée."), code="state"
            )
        (document,) = documents_create(award, checked, kind=DocumentKind.FINAL_REPORT, actor=actor)
        event_record(action="final_report", actor=actor, award=award, reason=document.original_name)
        transaction.on_commit(lambda: emails.final_report_send(award.pk))
    return document
