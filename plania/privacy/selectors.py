"""A person's data, as exported (issue 7 item 6): only what concerns them."""

from typing import Any

from django.db.models import QuerySet

from plania.applications.models import Application
from plania.companies.models import Membership
from plania.messaging.models import Message
from plania.privacy.models import DossierView


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _money(value: Any) -> str | None:
    return str(value) if value is not None else None


def dossier_views(application: Application) -> QuerySet[DossierView]:
    return DossierView.objects.filter(application=application).select_related("user")


def personal_data(user: Any) -> dict[str, Any]:
    """Account, memberships, dossiers the person created (answers, state, budget), the
    messages they wrote, and who viewed their dossiers when. Nothing else of anyone."""
    memberships = Membership.objects.filter(user=user).select_related("company")
    dossiers = (
        Application.objects.filter(created_by=user)
        .select_related("call", "company")
        .prefetch_related("cost_lines", "declared_aids")
        .order_by("created_at", "pk")
    )
    views = (
        DossierView.objects.filter(application__created_by=user)
        .select_related("user", "application")
        .order_by("at", "pk")
    )
    messages = (
        Message.objects.filter(author=user).select_related("application").order_by("created_at")
    )
    return {
        "account": {
            "id": user.pk,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email_verified": getattr(user, "email_verified", False),
            "language": getattr(user, "language", ""),
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "roles": sorted(user.groups.values_list("name", flat=True)),
        },
        "memberships": [
            {
                "company": {"siren": m.company.siren, "name": m.company.name},
                "role": m.role,
                "status": m.status,
                "created_at": _iso(m.created_at),
                "approved_at": _iso(m.approved_at),
            }
            for m in memberships
        ],
        "dossiers": [
            {
                "reference": a.reference,
                "call": a.call.reference,
                "company": a.company.siren,
                "state": a.state,
                "answers": a.answers,
                "requested_amount": _money(a.requested_amount),
                "cost_lines": [
                    {
                        "label": line.label,
                        "category": line.category,
                        "amount": line.amount_text,
                        "eligible": line.eligible,
                    }
                    for line in a.cost_lines.all()
                ],
                "declared_aids": [
                    {
                        "granting_body": aid.granting_body,
                        "granted_on": aid.granted_on_text,
                        "amount": aid.amount_text,
                        "regulation": aid.regulation,
                    }
                    for aid in a.declared_aids.all()
                ],
                "created_at": _iso(a.created_at),
                "updated_at": _iso(a.updated_at),
                "submitted_at": _iso(a.submitted_at),
                "receipt_number": a.receipt_number,
            }
            for a in dossiers
        ],
        "messages": [
            {
                "dossier": m.application.reference,
                "kind": m.kind,
                "side": m.side,
                "body": m.body,
                "created_at": _iso(m.created_at),
            }
            for m in messages
        ],
        "views_of_my_dossiers": [
            {
                "dossier": v.application.reference,
                "at": _iso(v.at),
                "by": "me" if v.user_id == user.pk else _viewer(v.user),
            }
            for v in views
        ],
    }


def _viewer(viewer: Any) -> str:
    """Who viewed: the name only (their e-mail address is theirs, not in this export)."""
    name = viewer.get_full_name().strip()
    return name or f"#{viewer.pk}"
