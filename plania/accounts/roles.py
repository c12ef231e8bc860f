"""Roles are Django groups with these names (DESIGN.md section 2)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    APPLICANT = "applicant", _("Porteur de projet")
    OFFICER = "officer", _("Instructeur")
    EXPERT = "expert", _("Expert")
    COMMITTEE = "committee", _("Commission permanente")
    FINANCE = "finance", _("Finances")
    STEERING = "steering", _("Pilotage")
    ADMIN = "admin", _("Administrateur")
